/// A vectorizer module (e.g. `multi2vec-clip`): turns objects of classes with `vectorizer: <name>` into vectors.
///
/// The Database calls it on create, replace, merge (only when a vectorised property changed) and batch,
/// unless the request supplied a vector. Implementations must be thread-safe.
public protocol VectorizerModule: Sendable {
    /// The module name as in ENABLE_MODULES and `vectorizer` (e.g. `multi2vec-clip`).
    var name: String { get }

    /// Merges the module's class-level defaults into the user's `moduleConfig[name]` (nil if absent)
    /// and returns the result to store. Weaviate's multi2vec-clip defaults are `{}`.
    func classConfigDefaults(_ userConfig: JSONValue?) -> JSONValue

    /// The property-level defaults stored as `property.moduleConfig[name]` (Weaviate: `{}`).
    func propertyConfigDefaults() -> JSONValue

    /// Validates the class's `moduleConfig[name]` (after defaults). Throw `ModuleConfigError(message)`;
    /// the Database wraps it as 422 `module '<name>': <message>`.
    func validate(classConfig: JSONValue, class: ClassDefinition) throws

    /// Vectorises a batch of objects of `class` in as few calls as possible.
    /// Returns one entry per object, in order: a vector, or nil when the object has nothing to vectorise
    /// (it is then stored without a vector). Throwing fails every object of the batch.
    func vectorize(objects: [VectorizeInput], class: ClassDefinition) async throws -> [[Float]?]

    /// The module's `/v1/meta` entry (e.g. the inference container's meta).
    func meta() async throws -> JSONValue

    /// The property names whose changes require re-vectorising on PATCH (e.g. imageFields + textFields).
    func vectorizedProperties(class: ClassDefinition) -> Set<String>
}

/// What a module sees of an object: its class-validated properties.
public struct VectorizeInput: Sendable {
    public var id: String
    public var properties: [String: JSONValue]
    public init(id: String, properties: [String: JSONValue]) { self.id = id; self.properties = properties }
}

/// A module config validation failure; the Database reports it as `module '<name>': <message>` (422).
public struct ModuleConfigError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// The enabled modules, filled by the server from ENABLE_MODULES before opening the Database.
public struct ModuleRegistry: Sendable {
    public private(set) var modules: [String: any VectorizerModule] = [:]
    /// Names in registration order (ENABLE_MODULES order).
    public private(set) var names: [String] = []

    public init() {}
    public init(_ modules: [any VectorizerModule]) { for m in modules { register(m) } }

    public mutating func register(_ module: any VectorizerModule) {
        if modules[module.name] == nil { names.append(module.name) }
        modules[module.name] = module
    }

    public func module(named name: String) -> (any VectorizerModule)? { modules[name] }
}
