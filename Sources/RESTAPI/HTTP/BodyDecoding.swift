import Database
import Foundation

/// Turns parsed JSON bodies into the Database's input types.
///
/// Type errors read like Go's `encoding/json` (`json: cannot unmarshal string into Go struct field
/// Object.vector of type float32`), because that is what Weaviate's go-swagger layer reports, as a 400
/// parse error, for a body whose JSON types do not fit the operation.
struct GoFields {
    let object: [String: JSONValue]
    /// The Go model name used in messages (`Object`, `Class`, `Property`, …).
    let model: String

    init(_ value: JSONValue, model: String, goType: String) throws {
        guard case .object(let o) = value else {
            throw APIError.unparsableBody("json: cannot unmarshal \(GoFields.kind(value)) into Go value of type \(goType)")
        }
        self.object = o
        self.model = model
    }

    static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    func mismatch(_ key: String, _ value: JSONValue, _ goType: String) -> APIError {
        .unparsableBody("json: cannot unmarshal \(GoFields.kind(value)) into Go struct field \(model).\(key) of type \(goType)")
    }

    /// A present, non-null value.
    func raw(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    func string(_ key: String) throws -> String? {
        guard let v = raw(key) else { return nil }
        guard case .string(let s) = v else { throw mismatch(key, v, "string") }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = raw(key) else { return nil }
        guard case .bool(let b) = v else { throw mismatch(key, v, "bool") }
        return b
    }

    func int(_ key: String) throws -> Int64? {
        guard let v = raw(key) else { return nil }
        guard case .int(let i) = v else { throw mismatch(key, v, "int64") }
        return i
    }

    func strings(_ key: String) throws -> [String]? {
        guard let v = raw(key) else { return nil }
        guard case .array(let a) = v else { throw mismatch(key, v, "[]string") }
        return try a.map {
            guard case .string(let s) = $0 else { throw mismatch(key, $0, "string") }
            return s
        }
    }

    func jsonObject(_ key: String, goType: String = "map[string]interface {}") throws -> [String: JSONValue]? {
        guard let v = raw(key) else { return nil }
        guard case .object(let o) = v else { throw mismatch(key, v, goType) }
        return o
    }

    func floats(_ key: String) throws -> [Float]? {
        guard let v = raw(key) else { return nil }
        return try floats(v, key: key)
    }

    func floats(_ v: JSONValue, key: String) throws -> [Float] {
        guard case .array(let a) = v else { throw mismatch(key, v, "models.C11yVector") }
        var out = [Float]()
        out.reserveCapacity(a.count)
        for e in a {
            switch e {
            // A value beyond Float32's range would be stored as inf: refused like Go refuses it.
            case .double(let d) where Float(d).isFinite: out.append(Float(d))
            case .int(let i): out.append(Float(i))
            default: throw mismatch(key, e, "float32")
            }
        }
        return out
    }
}

enum BodyDecoding {
    static func object(_ value: JSONValue, field: String = "") throws -> ObjectInput {
        let f = try GoFields(value, model: "Object", goType: "models.Object")
        var input = ObjectInput()
        input.className = try f.string("class")
        input.id = try f.string("id")
        if let id = input.id, !ValueFormats.isUUID(id) {
            throw APIError.invalidType("\(field)id", in: "body", type: "uuid", value: id)
        }
        input.properties = try f.jsonObject("properties", goType: "models.PropertySchema")
        input.vector = try f.floats("vector")
        input.tenant = try f.string("tenant").flatMap { $0.isEmpty ? nil : $0 }
        // Named vectors (1.24+), by name; the Database checks the names against the class.
        if let named = f.raw("vectors"), !named.isNull {
            guard case .object(let entries) = named else { throw f.mismatch("vectors", named, "models.Vectors") }
            for (name, value) in entries { input.namedVectors[name] = try f.floats(value, key: "vectors.\(name)") }
        }
        return input
    }

    /// A `POST /v1/batch/objects` body. Each item becomes an ObjectInput as soon as it is parsed, so
    /// the body is never held as one JSON tree (see JSONValue.parse(bytes:streaming:)). An item's error
    /// is thrown only once the whole body parsed, so malformed JSON is still a 400 wherever it is.
    static func batchObjects(_ request: APIRequest, maxDepth: Int, maxValues: Int) throws -> [ObjectInput] {
        if request.body.isEmpty { throw APIError.requiredBody }
        var inputs: [ObjectInput] = []
        var itemError: Error?
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes: request.body, maxDepth: maxDepth, maxValues: maxValues,
                                        streaming: "objects") { i, item in
                if i == 0 { (inputs, itemError) = ([], nil) }  // a repeated "objects": the last one counts
                guard itemError == nil else { return }
                do {
                    inputs.append(item.isNull ? ObjectInput() : try object(item, field: "objects.\(i)."))
                } catch {
                    itemError = error
                }
            }
        } catch let failure as JSONParseError {
            throw APIError.unparsableBody(failure.message)
        } catch let failure as JSONTooManyValuesError {
            throw APIError.tooManyValues(limit: failure.limit)
        }
        let f = try GoFields(value, model: "ObjectsBatchRequest", goType: "batch.BatchObjectsCreateBody")
        // Streamed arrays are left empty in `value`; anything else in "objects" is the wrong type.
        if let raw = f.raw("objects"), raw.arrayValue == nil {
            throw f.mismatch("objects", raw, "[]*models.Object")
        }
        if let itemError { throw itemError }
        return inputs
    }

    static func property(_ value: JSONValue) throws -> PropertyDefinition {
        let f = try GoFields(value, model: "Property", goType: "models.Property")
        return PropertyDefinition(
            name: try f.string("name") ?? "",
            dataType: try f.strings("dataType") ?? [],
            description: try f.string("description"),
            tokenization: try f.string("tokenization"),
            indexFilterable: try f.bool("indexFilterable"),
            indexSearchable: try f.bool("indexSearchable"),
            indexInverted: try f.bool("indexInverted"),
            moduleConfig: f.raw("moduleConfig"),
            nestedProperties: try f.raw("nestedProperties").flatMap { raw -> [PropertyDefinition]? in
                if raw.isNull { return nil }
                guard case .array(let items) = raw else { throw f.mismatch("nestedProperties", raw, "[]*models.NestedProperty") }
                return try items.map(property)
            }
        )
    }

    static func classDefinition(_ value: JSONValue) throws -> ClassDefinition {
        let f = try GoFields(value, model: "Class", goType: "models.Class")
        let multiTenancy = try f.jsonObject("multiTenancyConfig", goType: "models.MultiTenancyConfig").map(JSONValue.object)
        var properties: [PropertyDefinition]?
        if let raw = f.raw("properties") {
            guard case .array(let items) = raw else { throw f.mismatch("properties", raw, "[]*models.Property") }
            properties = try items.map(property)
        }
        let inverted = try f.jsonObject("invertedIndexConfig", goType: "models.InvertedIndexConfig")
        let replication = try f.jsonObject("replicationConfig", goType: "models.ReplicationConfig")
        if let named = f.raw("vectorConfig") {
            var c = try namedVectorClass(f, named, properties: properties, inverted: inverted, replication: replication)
            c.multiTenancyConfig = multiTenancy
            return c
        }
        return ClassDefinition(
            className: try f.string("class") ?? "",
            description: try f.string("description"),
            properties: properties,
            vectorizer: try f.string("vectorizer"),
            vectorIndexType: try f.string("vectorIndexType"),
            vectorIndexConfig: f.raw("vectorIndexConfig"),
            invertedIndexConfig: inverted.map(JSONValue.object),
            shardingConfig: f.raw("shardingConfig"),
            replicationConfig: replication.map(JSONValue.object),
            moduleConfig: f.raw("moduleConfig"),
            multiTenancyConfig: multiTenancy
        )
    }

    /// A class with `vectorConfig`: each named vector has its own vectorizer, index type and config. The
    /// first by name becomes the class's own vector settings under `vectorName`, the others `moreVectors`.
    private static func namedVectorClass(_ f: GoFields, _ named: JSONValue, properties: [PropertyDefinition]?,
                                         inverted: [String: JSONValue]?, replication: [String: JSONValue]?) throws -> ClassDefinition {
        guard case .object(let entries) = named else { throw f.mismatch("vectorConfig", named, "map[string]models.VectorConfig") }
        guard !entries.isEmpty else { throw APIError.unprocessable("vectorConfig must name at least one vector") }
        if let top = try f.string("vectorizer"), top != "none" {
            throw APIError.unprocessable("class has both a vectorizer (\"\(top)\") and vectorConfig: use one of them")
        }
        let vectors = try entries.sorted(by: { $0.key < $1.key }).map { name, config -> NamedVector in
            guard case .object(let vectorizer)? = config["vectorizer"], vectorizer.count == 1,
                  let (module, settings) = vectorizer.first else {
                throw APIError.unprocessable("vectorConfig.\(name).vectorizer must name exactly one module, e.g. {\"none\": {}}")
            }
            // (Not `nil`: JSONValue is ExpressibleByNilLiteral, so a bare nil here would be JSON null.)
            let moduleSettings: JSONValue? = module == "none" || settings.isNull ? Optional.none : settings
            return NamedVector(name: name, vectorizer: module, moduleSettings: moduleSettings,
                               vectorIndexType: config["vectorIndexType"]?.stringValue,
                               vectorIndexConfig: config["vectorIndexConfig"].flatMap { $0.isNull ? Optional.none : $0 })
        }
        let first = vectors[0]
        var moduleConfig = f.raw("moduleConfig")?.objectValue ?? [:]
        if let settings = first.moduleSettings { moduleConfig[first.vectorizer] = settings }
        var c = ClassDefinition(
            className: try f.string("class") ?? "",
            description: try f.string("description"),
            properties: properties,
            vectorizer: first.vectorizer,
            vectorIndexType: first.vectorIndexType,
            vectorIndexConfig: first.vectorIndexConfig,
            invertedIndexConfig: inverted.map(JSONValue.object),
            shardingConfig: f.raw("shardingConfig"),
            replicationConfig: replication.map(JSONValue.object),
            moduleConfig: moduleConfig.isEmpty ? Optional.none : .object(moduleConfig),
            vectorName: first.name
        )
        if vectors.count > 1 { c.moreVectors = Array(vectors.dropFirst()) }
        return c
    }

    static func reference(_ value: JSONValue) throws -> ReferenceInput {
        let f = try GoFields(value, model: "SingleRef", goType: "models.SingleRef")
        return ReferenceInput(beacon: try f.string("beacon") ?? "")
    }

    static func references(_ value: JSONValue) throws -> [ReferenceInput] {
        guard case .array(let items) = value else {
            throw APIError.unparsableBody("json: cannot unmarshal \(GoFields.kind(value)) into Go value of type models.MultipleRef")
        }
        return try items.map(reference)
    }

    static func batchReferences(_ value: JSONValue) throws -> [BatchReferenceInput] {
        guard case .array(let items) = value else {
            throw APIError.unparsableBody(
                "json: cannot unmarshal \(GoFields.kind(value)) into Go value of type []*models.BatchReference")
        }
        return try items.map {
            let f = try GoFields($0, model: "BatchReference", goType: "models.BatchReference")
            return BatchReferenceInput(from: try f.string("from") ?? "", to: try f.string("to") ?? "",
                                       tenant: try f.string("tenant").flatMap { $0.isEmpty ? nil : $0 })
        }
    }
}

extension ClassDefinition {
    /// Weaviate's wire shape (`models.Class`), omitting absent fields.
    var json: JSONValue {
        var o: [String: JSONValue] = ["class": .string(className)]
        if let d = description { o["description"] = .string(d) }
        if let p = properties { o["properties"] = .array(p.map(\.json)) }
        if let v = vectorizer { o["vectorizer"] = .string(v) }
        if let v = vectorIndexType { o["vectorIndexType"] = .string(v) }
        if let v = vectorIndexConfig { o["vectorIndexConfig"] = v }
        if var v = invertedIndexConfig {
            // Weaviate always shows stopwords' additions and removals (null when unset); the v4 client
            // reads both keys, also of classes stored before Iris filled them in.
            if var stopwords = v["stopwords"]?.objectValue {
                for key in ["additions", "removals"] where stopwords[key] == nil { stopwords[key] = .null }
                if case .object(var inverted) = v { inverted["stopwords"] = .object(stopwords); v = .object(inverted) }
            }
            o["invertedIndexConfig"] = v
        }
        if let v = shardingConfig { o["shardingConfig"] = v }
        if let v = replicationConfig { o["replicationConfig"] = v }
        if let v = moduleConfig { o["moduleConfig"] = v }
        if let v = multiTenancyConfig { o["multiTenancyConfig"] = v }
        if let name = vectorName {
            // A named-vector class as Weaviate ≥ 1.24 shows it: the vector under vectorConfig, no top-level
            // vectorizer or index settings, the module's settings inside the named vector.
            let module = vectorizerName
            var modules = moduleConfig?.objectValue ?? [:]
            let settings = modules.removeValue(forKey: module).flatMap { $0.isNull ? Optional.none : $0 } ?? .object([:])
            var config: [String: JSONValue] = [name: .object([
                "vectorizer": .object([module: settings]),
                "vectorIndexType": .string(vectorIndexType ?? "hnsw"),
                "vectorIndexConfig": vectorIndexConfig ?? .object([:]),
            ])]
            for v in moreVectors ?? [] {
                config[v.name] = .object([
                    "vectorizer": .object([v.vectorizer: v.moduleSettings ?? .object([:])]),
                    "vectorIndexType": .string(v.vectorIndexType ?? "hnsw"),
                    "vectorIndexConfig": v.vectorIndexConfig ?? .object([:]),
                ])
            }
            o["vectorConfig"] = .object(config)
            o["vectorizer"] = nil
            o["vectorIndexType"] = nil
            o["vectorIndexConfig"] = nil
            o["moduleConfig"] = .object(modules)
        }
        return .object(o)
    }
}

extension PropertyDefinition {
    /// Weaviate's wire shape (`models.Property`), omitting absent fields.
    var json: JSONValue {
        var o: [String: JSONValue] = ["name": .string(name), "dataType": .array(dataType.map(JSONValue.string))]
        if let v = description { o["description"] = .string(v) }
        if let v = tokenization { o["tokenization"] = .string(v) }
        if let v = indexFilterable { o["indexFilterable"] = .bool(v) }
        if let v = indexSearchable { o["indexSearchable"] = .bool(v) }
        if let v = indexInverted { o["indexInverted"] = .bool(v) }
        if let v = moduleConfig { o["moduleConfig"] = v }
        if let v = nestedProperties { o["nestedProperties"] = .array(v.map(\.json)) }
        return .object(o)
    }
}
