// The seam through which vectorizer modules answer module search arguments (nearText, nearImage).
// A module declares which arguments it offers on the classes it vectorises and turns their raw input
// (a text, a base64 image) into a vector; the Database owns everything else: argument validation,
// the concept join rule, movements, object lookups, limits and certainty.

/// A module search argument kind. The GraphQL layer knows the input shape of each kind.
public enum ModuleNearArgumentKind: String, Sendable, CaseIterable, Hashable {
    case nearText
    case nearImage
}

/// Implemented by a vectorizer module (e.g. multi2vec-clip) to support near<Media> search on the
/// classes whose `vectorizer` is the module's name (Weaviate's `shouldIncludeClassArgument`).
public protocol NearSearchVectorizer: Sendable {
    /// The module name (the `vectorizer` value of the classes it serves).
    var name: String { get }
    /// The search arguments this module adds to the classes it vectorises.
    var nearArguments: Set<ModuleNearArgumentKind> { get }
    /// The query vector of a text (already joined from concepts) for `class`.
    func vectorize(text: String, class: ClassDefinition) async throws -> [Float]
    /// The query vector of a base64-encoded image for `class`.
    func vectorize(image base64: String, class: ClassDefinition) async throws -> [Float]
}

extension NearSearchVectorizer {
    /// True when this module answers `kind` on `cls` (its vectorizer is this module).
    public func offers(_ kind: ModuleNearArgumentKind, on cls: ClassDefinition) -> Bool {
        cls.vectorizerName == name && nearArguments.contains(kind)
    }
}

extension ModuleRegistry {
    /// The enabled modules that implement near<Media> search, in ENABLE_MODULES order.
    public var nearSearchVectorizers: [any NearSearchVectorizer] {
        names.compactMap { modules[$0] as? any NearSearchVectorizer }
    }

    /// The module that answers near<Media> search for `cls`, if its vectorizer implements it.
    public func nearSearchVectorizer(for cls: ClassDefinition) -> (any NearSearchVectorizer)? {
        modules[cls.vectorizerName] as? any NearSearchVectorizer
    }
}
