/// Reading request bodies given as `JSONValue` into the API's input types, with go-swagger-style
/// 422 messages for wrong JSON types (`<field> in body must be of type <type>: "<given>"`).
extension JSONValue {
    /// The swagger type name of this value, as go-swagger's messages print it.
    public var swaggerTypeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

func typeError(_ field: String, _ type: String, _ v: JSONValue) -> DatabaseError {
    DatabaseError.unprocessable("\(field) in body must be of type \(type): \"\(v.swaggerTypeName)\"")
}

extension ObjectInput {
    /// Reads `{class?, id?, properties?, vector?}`; unknown keys are ignored as Weaviate does.
    public static func from(json: JSONValue) throws -> ObjectInput {
        guard case .object(let o) = json else { throw typeError("body", "object", json) }
        var input = ObjectInput()
        if let v = o["class"], !v.isNull {
            guard let s = v.stringValue else { throw typeError("class", "string", v) }
            input.className = s
        }
        if let v = o["id"], !v.isNull {
            guard let s = v.stringValue else { throw typeError("id", "string", v) }
            input.id = s
        }
        if let v = o["properties"], !v.isNull {
            guard let p = v.objectValue else { throw typeError("properties", "object", v) }
            input.properties = p
        }
        if let v = o["vector"], !v.isNull {
            guard let a = v.arrayValue else { throw typeError("vector", "array", v) }
            input.vector = try a.enumerated().map { k, e in
                guard let d = e.doubleValue else { throw typeError("vector.\(k)", "number", e) }
                return Float(d)
            }
        }
        return input
    }
}

extension ClassDefinition {
    /// Reads a class body (`POST /v1/schema`, `PUT /v1/schema/{class}`) with type errors as 422.
    public static func from(json: JSONValue) throws -> ClassDefinition {
        guard case .object(let o) = json else { throw typeError("body", "object", json) }
        func string(_ k: String) throws -> String? {
            guard let v = o[k], !v.isNull else { return nil }
            guard let s = v.stringValue else { throw typeError(k, "string", v) }
            return s
        }
        func object(_ k: String) throws -> JSONValue? {
            guard let v = o[k], !v.isNull else { return nil }
            guard v.objectValue != nil else { throw typeError(k, "object", v) }
            return v
        }
        var c = ClassDefinition(className: try string("class") ?? "")
        c.description = try string("description")
        c.vectorizer = try string("vectorizer")
        c.vectorIndexType = try string("vectorIndexType")
        c.vectorIndexConfig = try object("vectorIndexConfig")
        c.invertedIndexConfig = try object("invertedIndexConfig")
        c.shardingConfig = try object("shardingConfig")
        c.replicationConfig = try object("replicationConfig")
        c.moduleConfig = try object("moduleConfig")
        if let v = o["properties"], !v.isNull {
            guard let a = v.arrayValue else { throw typeError("properties", "array", v) }
            c.properties = try a.enumerated().map { try PropertyDefinition.from(json: $0.element, field: "properties.\($0.offset)") }
        }
        return c
    }
}

extension PropertyDefinition {
    /// Reads a property body (`POST /v1/schema/{class}/properties`) with type errors as 422.
    public static func from(json: JSONValue, field: String = "body") throws -> PropertyDefinition {
        guard case .object(let o) = json else { throw typeError(field, "object", json) }
        func string(_ k: String) throws -> String? {
            guard let v = o[k], !v.isNull else { return nil }
            guard let s = v.stringValue else { throw typeError(field == "body" ? k : "\(field).\(k)", "string", v) }
            return s
        }
        func bool(_ k: String) throws -> Bool? {
            guard let v = o[k], !v.isNull else { return nil }
            guard let b = v.boolValue else { throw typeError(field == "body" ? k : "\(field).\(k)", "boolean", v) }
            return b
        }
        var p = PropertyDefinition(name: try string("name") ?? "", dataType: [])
        if let v = o["dataType"], !v.isNull {
            guard let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) else {
                throw typeError(field == "body" ? "dataType" : "\(field).dataType", "array", v)
            }
            p.dataType = a.compactMap(\.stringValue)
        }
        p.description = try string("description")
        p.tokenization = try string("tokenization")
        p.indexFilterable = try bool("indexFilterable")
        p.indexSearchable = try bool("indexSearchable")
        p.indexInverted = try bool("indexInverted")
        if let v = o["moduleConfig"], !v.isNull {
            guard v.objectValue != nil else { throw typeError(field == "body" ? "moduleConfig" : "\(field).moduleConfig", "object", v) }
            p.moduleConfig = v
        }
        return p
    }
}
