// POST /v1/graphql and /v1/graphql/batch: Weaviate's status codes and bodies (reference 4).
// The schema is rebuilt only when the backend's schema version changes.
import Database
import Foundation
import GraphQL

/// @unchecked Sendable: `cached` and `validShapes` are read and written only under `lock`.
public final class GraphQLService: @unchecked Sendable {
    public static let noProviderMessage =
        "no graphql provider present, this is most likely because no schema is present. Import a schema first!"

    private let backend: any QueryBackend
    private let limits: QueryLimits
    private let lock = NSLock()
    private var cached: (classes: [ClassDefinition], schema: GraphQLSchema?)?
    /// Query shapes (QueryLiterals.shape) that passed validation against `schema`; bounded.
    private var validShapes: (schema: GraphQLSchema?, shapes: Set<String>) = (nil, [])
    private static let maxValidShapes = 1024

    /// Longer error messages are cut: validation messages print the offending literal, which may be long.
    static let maxMessageCharacters = 1000

    public init(backend: any QueryBackend, limits: QueryLimits = QueryLimits()) {
        self.backend = backend
        self.limits = limits
    }

    public convenience init(database: Database, limits: QueryLimits = QueryLimits()) {
        self.init(backend: database, limits: limits)
    }

    /// The schema for the current classes (nil when there are none). Rebuilt only when the class
    /// definitions change: comparing them is far cheaper than building a schema.
    public func currentSchema() throws -> GraphQLSchema? {
        let classes = backend.classes()
        lock.lock()
        defer { lock.unlock() }
        if let cached, cached.classes == classes { return cached.schema }
        let schema = classes.isEmpty
            ? nil : try SchemaBuilder.build(classes: classes, backend: backend, modules: backend.nearSearchModules)
        cached = (classes, schema)
        return schema
    }

    /// One request body `{"query", "operationName"?, "variables"?}`.
    public func handle(body: Data) async -> (status: Int, body: Data) {
        guard let json = try? JSONValue.parse(body) else {
            return (422, ResponseEncoding.restError("parsing body body from \"\" failed, because invalid JSON"))
        }
        return await handle(json: json)
    }

    /// The same for a body already parsed.
    public func handle(json: JSONValue) async -> (status: Int, body: Data) {
        let request: Request
        switch Request.parse(json: json) {
        case .failure(let error): return (422, ResponseEncoding.restError(error.message))
        case .success(let r): request = r
        }
        guard !request.query.isEmpty else { return (422, ResponseEncoding.restError("query cannot be empty")) }
        let schema: GraphQLSchema
        do {
            guard let s = try currentSchema() else { return (422, ResponseEncoding.restError(Self.noProviderMessage)) }
            schema = s
        } catch {
            return (500, ResponseEncoding.restError(String(describing: error)))
        }
        return (200, ResponseEncoding.encode(await execute(request, schema: schema)))
    }

    /// A JSON array of request bodies; answers a JSON array of responses in the same order.
    public func handleBatch(body: Data) async -> (status: Int, body: Data) {
        await handleBatch(json: (try? JSONValue.parse(body)) ?? .null)
    }

    /// The same for a body already parsed.
    public func handleBatch(json: JSONValue) async -> (status: Int, body: Data) {
        guard case .array(let items) = json else {
            return (422, ResponseEncoding.restError("parsing body body from \"\" failed, because json: cannot unmarshal into a list of queries"))
        }
        let schema: GraphQLSchema
        do {
            guard let s = try currentSchema() else { return (422, ResponseEncoding.restError(Self.noProviderMessage)) }
            schema = s
        } catch {
            return (500, ResponseEncoding.restError(String(describing: error)))
        }
        var parts: [Data] = []
        for item in items {
            switch Request.parse(json: item) {
            case .failure(let error):
                parts.append(ResponseEncoding.encode(GraphQLResult(errors: [GraphQLError(message: error.message)])))
            case .success(let request) where request.query.isEmpty:
                parts.append(ResponseEncoding.encode(GraphQLResult(errors: [GraphQLError(message: "query cannot be empty")])))
            case .success(let request):
                parts.append(ResponseEncoding.encode(await execute(request, schema: schema)))
            }
        }
        var out = Data("[".utf8)
        for (i, part) in parts.enumerated() {
            if i > 0 { out.append(contentsOf: Array(",".utf8)) }
            out.append(part)
        }
        out.append(contentsOf: Array("]".utf8))
        return (200, out)
    }

    /// Parses, validates and executes; parse and validation errors come back without `data`.
    /// The text is checked against the limits before GraphQLSwift parses it, the document before it is
    /// validated (see QueryLimits).
    func execute(_ request: Request, schema: GraphQLSchema) async -> GraphQLResult {
        if let problem = limits.checkText(request.query) { return GraphQLResult(errors: [GraphQLError(message: problem)]) }
        do {
            var result: GraphQLResult
            if let literals = QueryLiterals(query: request.query),
               let document = try? parse(source: Source(body: literals.blankedQuery, name: "GraphQL request")),
               limits.checkSearches(document) == nil,
               UniqueDefinitions.problems(in: document).isEmpty,
               isValid(document, shape: literals.shape, schema: schema) {
                result = try await run(request, document: document, context: literals, schema: schema)
                result.errors = literals.originalLocations(result.errors)
            } else {
                // As sent: also how every error of a query with long vectors is reported.
                let document = try parse(source: Source(body: request.query, name: "GraphQL request"))
                if let problem = limits.checkSearches(document) {
                    return GraphQLResult(errors: [GraphQLError(message: problem)])
                }
                let duplicates = UniqueDefinitions.problems(in: document)
                let problems = duplicates.isEmpty ? validate(schema: schema, ast: document) : duplicates
                result = problems.isEmpty
                    ? try await run(request, document: document, context: (), schema: schema)
                    : GraphQLResult(errors: problems)
            }
            if result.data == nil {
                result.errors = result.errors.map { e in
                    GraphQLError(message: Self.capped(Self.graphqlGoWording(e.message)), locations: e.locations, path: e.path)
                }
            }
            return result
        } catch let error as GraphQLError {
            let message = Self.emptySelectionMessage(request.query, error) ?? error.message
            return GraphQLResult(errors: [GraphQLError(message: Self.capped(message), locations: error.locations,
                                                       path: error.path)])
        } catch {
            return GraphQLResult(errors: [GraphQLError(message: Self.capped(String(describing: error)))])
        }
    }

    /// At most maxMessageCharacters characters, marked as cut.
    static func capped(_ message: String) -> String {
        guard message.count > maxMessageCharacters else { return message }
        return message.prefix(maxMessageCharacters) + "… (message cut)"
    }

    /// Validates `document` unless a query of the same shape already passed against this schema.
    private func isValid(_ document: Document, shape: String, schema: GraphQLSchema) -> Bool {
        lock.lock()
        let known = validShapes.schema === schema && validShapes.shapes.contains(shape)
        lock.unlock()
        if known { return true }
        guard validate(schema: schema, ast: document).isEmpty else { return false }
        lock.lock()
        defer { lock.unlock() }
        if validShapes.schema !== schema || validShapes.shapes.count >= Self.maxValidShapes {
            validShapes = (schema, [])
        }
        validShapes.shapes.insert(shape)
        return true
    }

    /// Executes within the request's QueryBudget; a query that passed a bound answers only that error
    /// (not the partial data and one error per field that stopped).
    private func run(_ request: Request, document: Document, context: any Sendable,
                     schema: GraphQLSchema) async throws -> GraphQLResult {
        let budget = QueryBudget(limits: limits)
        let result = try await QueryBudget.$current.withValue(budget) {
            try await GraphQL.execute(schema: schema, documentAST: document, rootValue: (), context: context,
                                      variableValues: request.variables, operationName: request.operationName)
        }
        if let exceeded = budget.exceeded { return GraphQLResult(errors: [GraphQLError(message: exceeded)]) }
        return result
    }

    /// Weaviate's GraphQL library (graphql-go) words an unknown argument differently from GraphQLSwift:
    /// `Unknown argument "a" on field "f" of type "T".` (suggestions kept as they are).
    /// graphql-go's words for a selection set with nothing in it (`{Aggregate{Article{}}}`), which the v4
    /// client recognises ("Unexpected empty IN"): a syntax error at a `}` that directly follows a `{`
    /// (an empty object value parses, so only a selection set fails there).
    static func emptySelectionMessage(_ query: String, _ error: GraphQLError) -> String? {
        guard error.message.hasPrefix("Syntax Error"), let location = error.locations.first else { return nil }
        let lines = query.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line >= 1, location.line <= lines.count else { return nil }
        let line = Array(lines[location.line - 1])
        guard location.column >= 1, location.column <= line.count, line[location.column - 1] == "}" else { return nil }
        let before = line[..<(location.column - 1)].last { !$0.isWhitespace && $0 != "," }
        guard before == "{" else { return nil }
        return "Syntax Error GraphQL request (\(location.line):\(location.column)) Unexpected empty IN {}"
    }

    static func graphqlGoWording(_ message: String) -> String {
        let head = "Field \"", onType = "\" on type \"", hasNot = "\" does not have argument \""
        guard message.hasPrefix(head), let r1 = message.range(of: onType), let r2 = message.range(of: hasNot),
              r1.upperBound <= r2.lowerBound,
              let r3 = message[r2.upperBound...].range(of: "\".") else { return message }
        let field = message[message.index(message.startIndex, offsetBy: head.count)..<r1.lowerBound]
        let type = message[r1.upperBound..<r2.lowerBound]
        let argument = message[r2.upperBound..<r3.lowerBound]
        return "Unknown argument \"\(argument)\" on field \"\(field)\" of type \"\(type)\"." + message[r3.upperBound...]
    }

    struct Request {
        var query: String
        var operationName: String?
        var variables: [String: Map]

        static func parse(json: JSONValue) -> Result<Request, RequestError> {
            guard case .object(let object) = json else {
                return .failure(RequestError("parsing body body from \"\" failed, because json: cannot unmarshal into models.GraphQLQuery"))
            }
            var variables: [String: Map] = [:]
            if case .object(let v)? = object["variables"] {
                for (key, value) in v { variables[key] = mapValue(value) }
            }
            return .success(Request(query: object["query"]?.stringValue ?? "",
                                    operationName: object["operationName"]?.stringValue,
                                    variables: variables))
        }
    }
}

/// A malformed request body, answered with 422 and this message.
struct RequestError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// JSON → GraphQL input `Map` (for variables).
func mapValue(_ value: JSONValue) -> Map {
    switch value {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .int(let i): return .number(Number(Int(i)))
    case .double(let d): return .number(Number(d))
    case .string(let s): return .string(s)
    case .array(let a): return .array(a.map(mapValue))
    case .object(let o):
        // The ordered dictionary type is reached through Map (OrderedCollections is not imported here).
        guard var m = Map.dictionary([:]).dictionary else { return .null }
        for key in o.keys.sorted() { m[key] = mapValue(o[key]!) }
        return .dictionary(m)
    }
}
