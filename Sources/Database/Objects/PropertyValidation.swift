import Foundation
import PhoneNumbers
import Storage

/// Validation and normalisation of property values against the class schema, with Weaviate's messages
/// (`usecases/objects/validation/properties_validation.go`); callers prefix `invalid object: `.
extension Database {
    /// Go's `%T` of a JSON value decoded with UseNumber, as Weaviate's messages print it.
    static func goType(_ v: JSONValue) -> String {
        switch v {
        case .null: return "<nil>"
        case .bool: return "bool"
        case .int, .double: return "json.Number"
        case .string: return "string"
        case .array: return "[]interface {}"
        case .object: return "map[string]interface {}"
        }
    }

    static func goValue(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        default: return v.jsonString()
        }
    }

    /// An object's properties under their schema names. Weaviate stores property names with a lower-case
    /// first letter and reads an object's keys the same way, so `{"Name": "A1"}` fills the property `name`.
    /// When two keys meet (`Name` and `name`), the one already in schema form wins, whatever the order.
    static func schemaKeyed(_ props: [String: JSONValue]) -> [String: JSONValue] {
        guard props.keys.contains(where: { normalizePropertyName($0) != $0 }) else { return props }
        var out: [String: JSONValue] = [:]
        for (key, value) in props {
            let name = normalizePropertyName(key)
            if name != key, props[name] != nil { continue }
            out[name] = value
        }
        return out
    }

    /// Validates every property of an object and returns the normalised values (nulls dropped).
    func normalizeProperties(_ props: [String: JSONValue], of st: ClassState) async throws -> [String: JSONValue] {
        let legacy = try await classesOfLegacyBeacons(Database.beacons(in: props, of: st))
        var out: [String: JSONValue] = [:]
        for (name, value) in props {
            if value.isNull { continue }
            guard let p = st.definition.property(named: name), let kind = p.kind else {
                throw DatabaseError.unprocessable(
                    "no such prop with name '\(name)' found in class '\(st.name)' in the schema. Check your schema files for which properties in this class are available")
            }
            if case .reference = kind {
                out[name] = .array(try normalizeReferences(value, property: name, className: st.name, legacyClasses: legacy))
            } else {
                out[name] = try normalizeValue(value, kind: kind, property: name, className: st.name, nested: p.nestedProperties)
            }
            if !engine.storesNULInText, let value = out[name], Database.holdsNUL(value) {
                throw DatabaseError.unprocessable(
                    "property '\(name)' of class '\(st.name)': text with the NUL character (U+0000) cannot be stored by the PostgreSQL storage engine")
            }
        }
        return out
    }

    /// Whether a string anywhere in `value` (keys of nested objects included) holds U+0000.
    static func holdsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let s): return s.utf8.contains(0)
        case .array(let items): return items.contains(where: holdsNUL)
        case .object(let fields): return fields.contains { $0.key.utf8.contains(0) || holdsNUL($0.value) }
        default: return false
        }
    }

    /// The beacons given to `props`' reference properties.
    static func beacons(in props: [String: JSONValue], of st: ClassState) -> [String] {
        props.flatMap { name, value -> [String] in
            guard case .reference? = st.definition.property(named: name)?.kind else { return [] }
            return (value.arrayValue ?? []).compactMap { $0["beacon"]?.stringValue }
        }
    }

    /// `nested`: the fields of an object / object[] property.
    func normalizeValue(_ v: JSONValue, kind: PropertyDataType, property p: String, className c: String,
                        nested: [PropertyDefinition]? = nil) throws -> JSONValue {
        func err(_ m: String) -> DatabaseError { DatabaseError.unprocessable(m) }
        switch kind {
        case .text:
            guard case .string = v else { throw err("invalid text property '\(p)' on class '\(c)': not a string, but \(Database.goType(v))") }
            return v
        case .int:
            guard v.doubleValue != nil else {
                throw err("invalid integer property '\(p)' on class '\(c)': requires an integer, the given value is '\(Database.goValue(v))'")
            }
            // Like Go's json.Number.Int64(): a number written with a fraction or exponent is not an integer.
            guard case .int(let i) = v else {
                throw err("invalid integer property '\(p)' on class '\(c)': requires an integer, the given value is '\(Database.goValue(v))'")
            }
            return .int(i)
        case .number:
            guard let d = v.doubleValue else {
                throw err("invalid number property '\(p)' on class '\(c)': requires a float, the given value is '\(Database.goValue(v))'")
            }
            return .double(d)
        case .boolean:
            guard case .bool = v else {
                throw err("invalid boolean property '\(p)' on class '\(c)': requires a bool, the given value is '\(Database.goValue(v))'")
            }
            return v
        case .date:
            guard let s = v.stringValue, ValueFormats.rfc3339Nanos(s) != nil else {
                throw err("invalid date property '\(p)' on class '\(c)': requires a string with a RFC3339 formatted date, but the given value is '\(Database.goValue(v))'")
            }
            return v
        case .uuid:
            guard let s = v.stringValue else {
                throw err("invalid uuid property '\(p)' on class '\(c)': not a string, but \(Database.goType(v))")
            }
            guard ValueFormats.isUUID(s) else {
                throw err("invalid uuid property '\(p)' on class '\(c)': invalid UUID length: \(s.utf8.count)")
            }
            return .string(s.lowercased())
        case .blob:
            guard let s = v.stringValue, ValueFormats.isStrictBase64(s) else {
                throw err("invalid blob property '\(p)' on class '\(c)': not a valid blob base64 string")
            }
            return v
        case .geoCoordinates:
            guard let o = v.objectValue else {
                throw err("invalid geoCoordinates property '\(p)' on class '\(c)': not a map, but \(Database.goType(v))")
            }
            guard let lat = o["latitude"]?.doubleValue else {
                throw err("invalid geoCoordinates property '\(p)' on class '\(c)': latitude is missing or not a number")
            }
            guard let lon = o["longitude"]?.doubleValue else {
                throw err("invalid geoCoordinates property '\(p)' on class '\(c)': longitude is missing or not a number")
            }
            guard (-90...90).contains(lat), (-180...180).contains(lon) else {
                throw err("invalid geoCoordinates property '\(p)' on class '\(c)': latitude must be in [-90, 90] and longitude in [-180, 180]")
            }
            return ["latitude": .double(lat), "longitude": .double(lon)]
        case .phoneNumber:
            return try PhoneNumberValues.normalize(v, property: p, className: c)
        case .textArray, .intArray, .numberArray, .booleanArray, .dateArray, .uuidArray, .objectArray:
            guard let a = v.arrayValue else {
                throw err("invalid \(kind.name) property '\(p)' on class '\(c)': not an array, but \(Database.goType(v))")
            }
            return .array(try a.map { try normalizeValue($0, kind: kind.elementType, property: p, className: c, nested: nested) })
        case .object:
            guard let o = v.objectValue else {
                throw err("invalid object property '\(p)' on class '\(c)': not an object, but \(Database.goType(v))")
            }
            var out: [String: JSONValue] = [:]
            for (key, value) in o where !value.isNull {
                guard let field = nested?.first(where: { $0.name == key }), let fieldKind = field.kind else {
                    throw err("invalid object property '\(p)' on class '\(c)': no such nested property '\(key)'")
                }
                out[key] = try normalizeValue(value, kind: fieldKind, property: "\(p).\(key)", className: c,
                                              nested: field.nestedProperties)
            }
            return .object(out)
        case .reference:
            // normalizeProperties handles references, with their legacy beacons resolved beforehand.
            throw DatabaseError.internal("reference property '\(p)' on class '\(c)' outside normalizeProperties")
        }
    }

    /// Normalises a reference list: `[{"beacon": …}]` → `[{"beacon": "weaviate://localhost/<Class>/<id>", "href": "/v1/objects/<Class>/<id>"}]`.
    /// `legacyClasses`: see `normalizeBeacon`.
    func normalizeReferences(_ v: JSONValue, property p: String, className c: String,
                             legacyClasses: [String: String]) throws -> [JSONValue] {
        guard let a = v.arrayValue else {
            throw DatabaseError.unprocessable(
                "invalid reference property '\(p)' on class '\(c)': expected an array of references, but got \(Database.goType(v))")
        }
        return try a.map { item in
            guard let beacon = item["beacon"]?.stringValue else {
                throw DatabaseError.unprocessable("invalid reference property '\(p)' on class '\(c)': each reference needs a 'beacon' string")
            }
            return try normalizeBeacon(beacon, property: p, className: c, legacyClasses: legacyClasses)
        }
    }

    /// `legacyClasses`: the classes of the objects that class-less beacons name (`weaviate://localhost/<uuid>`,
    /// Weaviate before 1.14), from `classesOfLegacyBeacons`; an id missing from it stays class-less.
    func normalizeBeacon(_ beacon: String, property p: String, className c: String,
                         legacyClasses: [String: String]) throws -> JSONValue {
        guard let ref = try? parseBeacon(beacon), ref.isLocal else {
            throw DatabaseError.unprocessable(
                "invalid reference property '\(p)' on class '\(c)': invalid beacon '\(beacon)': must be of the form weaviate://localhost/<className>/<uuid>")
        }
        let lid = ref.id.lowercased()
        if let t = ref.className ?? legacyClasses[lid] {
            return ["beacon": .string("weaviate://localhost/\(t)/\(lid)"), "href": .string("/v1/objects/\(t)/\(lid)")]
        }
        return ["beacon": .string("weaviate://localhost/\(lid)"), "href": .string("/v1/objects/\(lid)")]
    }

    /// The class of each object a class-less beacon among `beacons` names (id → class; ids of no object
    /// are left out). Looked up before validation, which is synchronous: a synchronous lookup there held a
    /// cooperative thread while it waited for PostgreSQL, and concurrent writers starved the pool.
    func classesOfLegacyBeacons(_ beacons: [String]) async throws -> [String: String] {
        var out: [String: String] = [:]
        for beacon in beacons {
            guard let ref = try? parseBeacon(beacon), ref.isLocal, ref.className == nil else { continue }
            let id = ref.id.lowercased()
            if out[id] == nil, let cls = try await findClass(ofObject: id) { out[id] = cls }
        }
        return out
    }

    /// The class holding an object with this id (first in schema order), if any.
    func findClass(ofObject id: String) async throws -> String? {
        let states = orderedStates
        return try await read { rows in try Database.findClass(ofObject: id, in: states, rows) }
    }

    private static func findClass(ofObject id: String, in states: [ClassState], _ rows: any ObjectReader) throws -> String? {
        for s in states where try rows.docID(s, uuid: id) != nil { return s.name }
        return nil
    }

    /// The tokens of each tokenized text property (by ordinal) with their counts, for the token table.
    static func tokenRows(_ props: [String: JSONValue], of st: ClassState) -> [Int: [String: Int]] {
        var out: [Int: [String: Int]] = [:]
        for (name, col) in st.columns where col.indexesTokens {
            guard let v = props[name], let tok = col.tokenization else { continue }
            var counts: [String: Int] = [:]
            for s in (v.arrayValue ?? [v]).compactMap(\.stringValue) {
                for t in Tokenizer.tokens(s, tokenization: tok) { counts[t, default: 0] += 1 }
            }
            if !counts.isEmpty { out[col.ordinal] = counts }
        }
        return out
    }

    /// The typed column values of normalised properties.
    static func columnValues(_ props: [String: JSONValue], of st: ClassState) -> [String: DatabaseValue] {
        var out: [String: DatabaseValue] = [:]
        for (name, col) in st.columns where col.hasColumn {
            guard let v = props[name] else { continue }
            switch col.type {
            case .text, .uuid: if let s = v.stringValue { out[col.name] = s.databaseValue }
            case .int: if let i = v.intValue { out[col.name] = i.databaseValue }
            case .number: if let d = v.doubleValue { out[col.name] = d.databaseValue }
            case .boolean: if let b = v.boolValue { out[col.name] = (b ? 1 : 0).databaseValue }
            case .date: if let s = v.stringValue, let n = ValueFormats.rfc3339Nanos(s) { out[col.name] = n.databaseValue }
            case .geoCoordinates:
                if let lat = v["latitude"]?.doubleValue, let lon = v["longitude"]?.doubleValue {
                    out[col.latColumn] = lat.databaseValue
                    out[col.lonColumn] = lon.databaseValue
                }
            default: break
            }
        }
        return out
    }
}

/// phoneNumber values: `{input, defaultCountry?}` in, Weaviate's parsed shape out (libphonenumber's parse,
/// validity and formats, as Weaviate's own nyaruka/phonenumbers gives them).
enum PhoneNumberValues {
    static func normalize(_ v: JSONValue, property p: String, className c: String) throws -> JSONValue {
        func err(_ m: String) -> DatabaseError {
            DatabaseError.unprocessable("invalid phoneNumber property '\(p)' on class '\(c)': \(m)")
        }
        guard let o = v.objectValue else { throw err("phoneNumber must be a map, but got: \(Database.goType(v))") }
        guard let inputValue = o["input"] else { throw err("phoneNumber is missing required field 'input'") }
        guard let input = inputValue.stringValue else { throw err("phoneNumber.input must be a string") }
        var country = ""
        if let given = o["defaultCountry"] {
            guard let s = given.stringValue else { throw err("phoneNumber.defaultCountry must be a string") }
            country = s.uppercased()
        }
        let number: PhoneNumber
        do {
            number = try PhoneNumber.parse(input, defaultRegion: country.isEmpty ? nil : country)
        } catch .invalidCountryCode {
            throw err("invalid phone number: invalid or missing defaultCountry - this field is optional if the specified "
                + "number is in the international format, but required if the number is in national format, use ISO 3166-1 alpha-2")
        } catch {
            throw err("invalid phone number: \(error.message)")
        }
        var out: [String: JSONValue] = [
            "input": .string(input),
            "countryCode": .int(Int64(number.countryCode)),
            "national": .int(Int64(clamping: number.nationalNumber)),
            "nationalFormatted": .string(number.formatted(.national)),
            "internationalFormatted": .string(number.formatted(.international)),
        ]
        // Weaviate's model marks every field omitempty: REST shows neither `valid: false` nor an empty
        // defaultCountry (GraphQL and gRPC answer false for a missing `valid`).
        if number.isValid { out["valid"] = true }
        if !country.isEmpty { out["defaultCountry"] = .string(country) }
        return .object(out)
    }
}
