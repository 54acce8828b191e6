import Foundation
import Storage

/// The object writes of the REST API, each a pass through the write pipeline (WritePipeline.swift).
extension Database {
    /// Creates one object (`POST /v1/objects`): id check (lower-cased; 422 `id '<id>' already exists`),
    /// auto-schema, validation (422 `invalid object: …`), timestamps, vectorisation, then a durable put.
    public func createObject(_ input: ObjectInput) async throws -> WeaviateObject {
        let (className, id) = try resolveInput(input)
        // Fail before vectorising; the commit checks again, atomically.
        if let st = state(className), let target = try? shard(st, tenant: input.tenant), try await docExists(target, id) {
            throw DatabaseError.unprocessable("id '\(id)' already exists")
        }
        var w = [try await prepare(input, intent: .create)]
        try await vectorize(&w)
        return try written(try await commit(w)[0])
    }

    /// Replaces an object (`PUT`): 404 if absent, 422 `invalid update: field 'id' is immutable` if the body id differs.
    /// The object is re-vectorised unless a vector is supplied.
    public func replaceObject(className: String?, id: String, _ input: ObjectInput) async throws -> WeaviateObject {
        let st = try await locateForUpdate(className: className ?? input.className, id: id, bodyID: input.id, tenant: input.tenant)
        var body = input
        body.className = st.name
        body.id = id.lowercased()
        var w = [try await prepare(body, intent: .replace)]
        try await vectorize(&w)
        return try written(try await commit(w)[0])
    }

    /// Merges properties into an object (`PATCH`): a `null` value deletes the property; re-vectorises
    /// only when a vectorised property changed and no vector is supplied. 404 if absent, 422 on validation.
    /// The merge happens inside the store's writer, so concurrent PATCHes of one object all apply.
    @discardableResult
    public func mergeObject(className: String?, id: String, _ input: ObjectInput) async throws -> WeaviateObject {
        let st = try await locateForUpdate(className: className ?? input.className, id: id, bodyID: input.id, tenant: input.tenant)
        let patch = Database.schemaKeyed(input.properties ?? [:])
        let schema = try shard(try await invalidObject { try await self.ensureSchema(className: st.name, properties: patch) },
                               tenant: st.tenant)
        let normalized = try await invalidObject { try await self.normalizeProperties(patch, of: schema) }
        var w = ObjectWrite(st: schema, id: id.lowercased(), intent: .merge(removals: Set(patch.filter { $0.value.isNull }.keys)),
                            properties: normalized)
        try takeVectors(input, into: &w)
        return try await commitMerge(w)
    }

    /// Deletes an object; 404 if absent.
    public func deleteObject(className: String?, id: String, tenant: String? = nil) async throws {
        let lid = id.lowercased()
        guard let st = try await locate(className: className.map(Database.normalizeClassName), id: lid, tenant: tenant) else {
            throw DatabaseError.notFound("object '\(lid)' not found")
        }
        if case .failed(let e) = try await commit([ObjectWrite(st: st, id: lid, intent: .delete)])[0] { throw e }
    }

    /// Validates an object without storing it (`POST /v1/objects/validate`); throws 422 like create.
    public func validateObject(_ input: ObjectInput) async throws {
        let (className, _) = try resolveInput(input)
        guard let st = state(className) else {
            if config.autoSchemaEnabled { return }
            throw DatabaseError.unprocessable("invalid object: class '\(className)' not present in schema")
        }
        do {
            _ = try await normalizeProperties(Database.schemaKeyed(input.properties ?? [:]), of: st)
        } catch let e as DatabaseError {
            // With auto-schema on, unknown properties would be created, so they are valid.
            if config.autoSchemaEnabled && e.message.hasPrefix("no such prop") { return }
            throw DatabaseError(e.kind, "invalid object: \(e.message)")
        }
    }

    /// `POST /v1/batch/objects`: an upsert per object, results in input order; a failed item does not fail
    /// the others. Valid objects are written in one transaction. Empty input: 422.
    public func batchObjects(_ inputs: [ObjectInput]) async throws -> [BatchObjectResult] {
        if inputs.isEmpty {
            throw DatabaseError.unprocessable("invalid param 'objects': cannot be empty, need at least one object for batching")
        }
        var results = [BatchObjectResult?](repeating: nil, count: inputs.count)
        var writes: [ObjectWrite] = []
        var positions: [Int] = []
        for (k, input) in inputs.enumerated() {
            do {
                writes.append(try await prepare(input, intent: .upsert))
                positions.append(k)
            } catch let e as DatabaseError {
                results[k] = BatchObjectResult(object: Database.echo(input), error: e.message)
            }
        }
        // Vectorise per class; a vectorizer failure fails only the objects of that class.
        var failedByVectorizer: [Int: String] = [:]
        var byClass: [String: [Int]] = [:]
        for (j, w) in writes.enumerated() { byClass[w.st.name, default: []].append(j) }
        for (_, js) in byClass {
            do { try await vectorize(&writes, only: Set(js)) } catch let e as DatabaseError {
                // One bad object (e.g. an undecodable image) must not fail the others: retry one by one.
                guard js.count > 1 else { failedByVectorizer[js[0]] = e.message; continue }
                for j in js {
                    do { try await vectorize(&writes, only: [j]) } catch let e as DatabaseError { failedByVectorizer[j] = e.message }
                }
            }
        }
        var toCommit: [ObjectWrite] = []
        var commitPositions: [Int] = []
        for (j, w) in writes.enumerated() {
            if let m = failedByVectorizer[j] {
                results[positions[j]] = BatchObjectResult(object: Database.echo(inputs[positions[j]]), error: m)
            } else {
                toCommit.append(w)
                commitPositions.append(positions[j])
            }
        }
        if !toCommit.isEmpty {
            for (j, outcome) in try await commit(toCommit).enumerated() {
                let k = commitPositions[j]
                do {
                    results[k] = BatchObjectResult(object: try written(outcome), error: nil)
                } catch let e as DatabaseError {
                    results[k] = BatchObjectResult(object: Database.echo(inputs[k]), error: e.message)
                }
            }
        }
        return results.map { $0! }
    }

    // MARK: Prepare

    /// Normalises an object's class name and id for a write. Storage keys are lower-case so lookups are
    /// case-insensitive, as UUID parsing is in Weaviate.
    func resolveInput(_ input: ObjectInput) throws -> (className: String, id: String) {
        guard let raw = input.className, !raw.isEmpty else {
            throw DatabaseError.unprocessable("invalid object: the given class is empty")
        }
        var id = input.id ?? ValueFormats.newUUID()
        if id.isEmpty { id = ValueFormats.newUUID() }
        guard ValueFormats.isUUID(id) else {
            throw DatabaseError.unprocessable("id in body must be of type uuid: \"\(id)\"")
        }
        return (Database.normalizeClassName(raw), id.lowercased())
    }

    /// Auto-schema + validation of one whole object (create, replace, upsert).
    func prepare(_ input: ObjectInput, intent: WriteIntent) async throws -> ObjectWrite {
        let (className, id) = try resolveInput(input)
        let props = Database.schemaKeyed(input.properties ?? [:])
        let cls = try await invalidObject { try await self.ensureSchema(className: className, properties: props) }
        let normalized = try await invalidObject { try await self.normalizeProperties(props, of: cls) }
        let st = try await shardCreatingTenant(cls, tenant: input.tenant)
        var w = ObjectWrite(st: st, id: id, intent: intent, properties: normalized)
        try takeVectors(input, into: &w)
        return w
    }

    /// The vectors a request gives, by lane: `vector` is the first or only one, `vectors` names them.
    /// Errors (422): a name the class does not have, a non-finite value, a length that differs from the
    /// lane's vectors so far.
    func takeVectors(_ input: ObjectInput, into w: inout ObjectWrite) throws {
        let st = w.st
        var given: [(lane: Int, vector: [Float])] = []
        if let v = input.vector, !v.isEmpty { given.append((0, v)) }
        for (name, v) in input.namedVectors.sorted(by: { $0.key < $1.key }) where !v.isEmpty {
            guard let lane = st.definition.lane(named: name) else {
                let names = st.definition.vectorNames
                throw DatabaseError.unprocessable(names.isEmpty
                    ? "class '\(st.name)' has no named vectors: give its vector as \"vector\", not under the name '\(name)'"
                    : "class '\(st.name)' has no named vector '\(name)' (its vectors are \(names.map { "'\($0)'" }.joined(separator: ", ")))")
            }
            given.append((lane, v))
        }
        for (lane, v) in given {
            try ValueFormats.checkFinite(v, "invalid vector")
            if let d = st.dimension(lane: lane), d != v.count {
                throw DatabaseError.unprocessable("new node has a vector with length \(v.count). Existing nodes have vectors with length \(d)")
            }
            w.vectors[lane] = v
            w.userLanes.insert(lane)
        }
    }

    /// Prefixes validation and auto-schema errors with `invalid object: ` as Weaviate does.
    func invalidObject<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as DatabaseError {
            throw DatabaseError(e.kind, "invalid object: \(e.message)")
        }
    }

    func invalidObject<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DatabaseError {
            throw DatabaseError(e.kind, "invalid object: \(e.message)")
        }
    }

    func docExists(_ st: ClassState, _ id: String) async throws -> Bool {
        try await read { try $0.docID(st, uuid: id) } != nil
    }

    /// The shard holding object `id` (`className` nil: any class, the legacy id-only paths), or nil.
    func locate(className: String?, id: String, tenant: String? = nil) async throws -> ClassState? {
        if let className {
            guard let st = try await shardOf(named: className, tenant: tenant), try await docExists(st, id) else { return nil }
            return st
        }
        for st in orderedShards(tenant: tenant) where try await docExists(st, id) { return st }
        return nil
    }

    /// The class of an object a PUT or PATCH targets: checks the body id and that the object exists.
    func locateForUpdate(className: String?, id: String, bodyID: String?, tenant: String? = nil) async throws -> ClassState {
        let lid = id.lowercased()
        if let bodyID, !bodyID.isEmpty, bodyID.lowercased() != lid {
            throw DatabaseError.unprocessable("invalid update: field 'id' is immutable")
        }
        guard let st = try await locate(className: className.map(Database.normalizeClassName), id: lid, tenant: tenant) else {
            throw DatabaseError.notFound("object '\(lid)' not found")
        }
        return st
    }

    /// The object a write produced, or its error.
    func written(_ outcome: WriteOutcome) throws -> WeaviateObject {
        switch outcome {
        case .written(let o): return o
        case .failed(let e): throw e
        case .deleted, .revectorise: throw DatabaseError.internal("unexpected write outcome \(outcome)")
        }
    }

    /// The input as an object, for failed batch items.
    static func echo(_ input: ObjectInput) -> WeaviateObject {
        WeaviateObject(className: input.className ?? "", id: input.id ?? "", properties: input.properties ?? [:], vector: input.vector,
                       tenant: input.tenant)
    }
}
