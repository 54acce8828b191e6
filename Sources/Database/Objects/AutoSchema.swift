import Foundation

/// Auto-schema (reference 5.3): creates missing classes and properties from the values of an object.
extension Database {
    /// The class state for an object's class, creating the class and any missing properties when
    /// auto-schema is on. With auto-schema off, unknown classes and properties are left for validation.
    /// Types are inferred before the writer is taken (inference may look up a reference's class); the
    /// writer then adds what is still missing, so two writers racing to add one property add it once.
    func ensureSchema(className: String, properties: [String: JSONValue]) async throws -> ClassState {
        let existing = state(className)
        guard config.autoSchemaEnabled else {
            guard let existing else { throw DatabaseError.unprocessable("class '\(className)' not present in schema") }
            return existing
        }
        var missing: [PropertyDefinition] = []
        for name in properties.keys.sorted() {
            guard let value = properties[name], !value.isNull, existing?.definition.property(named: name) == nil else { continue }
            guard let dataType = try await inferDataType(value, property: name, className: className) else { continue }
            missing.append(PropertyDefinition(name: name, dataType: dataType))
        }
        if let existing, missing.isEmpty { return existing }
        let toAdd = missing
        return try await schemaWrite { tx in
            let st = try self.state(className) ?? self.createClass(ClassDefinition(className: className, properties: []), in: tx)
            for p in toAdd where st.definition.property(named: p.name) == nil {
                _ = try self.addProperty(p, to: st, in: tx)
            }
            return st
        }
    }

    /// The data type auto-schema gives a value; nil when it cannot tell (null, empty array).
    func inferDataType(_ v: JSONValue, property p: String, className c: String) async throws -> [String]? {
        switch v {
        case .null: return nil
        case .string(let s): return [ValueFormats.rfc3339Nanos(s) != nil ? "date" : "text"]
        case .int, .double: return ["number"]
        case .bool: return ["boolean"]
        case .object(let o):
            if o["latitude"] != nil && o["longitude"] != nil { return ["geoCoordinates"] }
            if o["input"] != nil { return ["phoneNumber"] }
            throw DatabaseError.unprocessable(
                "property '\(p)' on class '\(c)': element [0]: unrecognized data type of value '\(v.jsonString())'")
        case .array(let a):
            guard let first = a.first else { return nil }
            switch first {
            case .string(let s): return [ValueFormats.rfc3339Nanos(s) != nil ? "date[]" : "text[]"]
            case .int, .double: return ["number[]"]
            case .bool: return ["boolean[]"]
            case .object(let o):
                if let beacon = o["beacon"]?.stringValue, let ref = try? parseBeacon(beacon), ref.isLocal {
                    if let cls = ref.className { return [cls] }
                    if let found = try await findClass(ofObject: ref.id.lowercased()) { return [found] }
                    throw DatabaseError.unprocessable(
                        "property '\(p)' on class '\(c)': cannot determine the class of reference '\(beacon)'")
                }
                throw DatabaseError.unprocessable(
                    "property '\(p)' on class '\(c)': element [0]: unrecognized data type of value '\(first.jsonString())'")
            default:
                throw DatabaseError.unprocessable("property '\(p)' on class '\(c)': unrecognized data type of value '\(v.jsonString())'")
            }
        }
    }
}
