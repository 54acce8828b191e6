/// The operators of a `where` filter (Weaviate 1.19, `entities/filters`).
public enum WhereOperator: String, Sendable, Codable, CaseIterable {
    case and = "And"
    case or = "Or"
    case not = "Not"
    case equal = "Equal"
    case notEqual = "NotEqual"
    case greaterThan = "GreaterThan"
    case greaterThanEqual = "GreaterThanEqual"
    case lessThan = "LessThan"
    case lessThanEqual = "LessThanEqual"
    case like = "Like"
    case withinGeoRange = "WithinGeoRange"
    case isNull = "IsNull"

    /// And, Or, Not: operands instead of path/value.
    public var isLogical: Bool { self == .and || self == .or || self == .not }
}

/// `valueGeoRange`: `{geoCoordinates: {latitude, longitude}, distance: {max}}` (max in metres).
public struct GeoRange: Sendable, Equatable, Codable {
    public struct Coordinates: Sendable, Equatable, Codable {
        public var latitude: Double
        public var longitude: Double
        public init(latitude: Double, longitude: Double) { self.latitude = latitude; self.longitude = longitude }
    }
    public struct Distance: Sendable, Equatable, Codable {
        public var max: Double
        public init(max: Double) { self.max = max }
    }
    public var geoCoordinates: Coordinates
    public var distance: Distance
    public init(latitude: Double, longitude: Double, maxDistance: Double) {
        geoCoordinates = Coordinates(latitude: latitude, longitude: longitude)
        distance = Distance(max: maxDistance)
    }
}

/// A `where` filter in Weaviate's JSON shape (REST batch delete) — GraphQL arguments map onto the same type.
///
/// Leaf filters have `path` and exactly one `value*`; `And`/`Or`/`Not` have `operands`.
/// Special paths: `["id"]`, `["_creationTimeUnix"]`, `["_lastUpdateTimeUnix"]`, `["len(prop)"]`,
/// and reference paths `["refProp", "OtherClass", "prop"]`.
public struct WhereFilter: Sendable, Equatable, Codable {
    public var `operator`: WhereOperator
    public var path: [String]?
    public var operands: [WhereFilter]?
    public var valueInt: Int64?
    public var valueNumber: Double?
    public var valueBoolean: Bool?
    public var valueString: String?
    public var valueText: String?
    /// RFC3339 date-time.
    public var valueDate: String?
    public var valueGeoRange: GeoRange?

    public init(
        operator op: WhereOperator, path: [String]? = nil, operands: [WhereFilter]? = nil,
        valueInt: Int64? = nil, valueNumber: Double? = nil, valueBoolean: Bool? = nil,
        valueString: String? = nil, valueText: String? = nil, valueDate: String? = nil,
        valueGeoRange: GeoRange? = nil
    ) {
        self.operator = op
        self.path = path
        self.operands = operands
        self.valueInt = valueInt
        self.valueNumber = valueNumber
        self.valueBoolean = valueBoolean
        self.valueString = valueString
        self.valueText = valueText
        self.valueDate = valueDate
        self.valueGeoRange = valueGeoRange
    }

    /// Reads a filter from its JSON form, with a 422 error naming what is wrong
    /// (unknown operator, wrong JSON types).
    public static func from(json: JSONValue) throws -> WhereFilter {
        guard case .object(let o) = json else {
            throw DatabaseError.unprocessable("invalid where filter: expected an object")
        }
        guard let opName = o["operator"]?.stringValue else {
            throw DatabaseError.unprocessable("invalid where filter: operator is required")
        }
        if containsOperators.contains(opName) { return try contains(opName, o) }
        guard let op = WhereOperator(rawValue: opName) else {
            let all = (WhereOperator.allCases.map(\.rawValue) + containsOperators).joined(separator: " ")
            throw DatabaseError.unprocessable("operator in body should be one of [\(all)]")
        }
        var f = WhereFilter(operator: op)
        if let p = o["path"], !p.isNull {
            guard let arr = p.arrayValue, let strs = Optional(arr.compactMap(\.stringValue)), strs.count == arr.count else {
                throw DatabaseError.unprocessable("invalid where filter: path must be an array of strings")
            }
            f.path = strs
        }
        if let ops = o["operands"], !ops.isNull {
            guard let arr = ops.arrayValue else {
                throw DatabaseError.unprocessable("invalid where filter: operands must be an array")
            }
            f.operands = try arr.map { try WhereFilter.from(json: $0) }
        }
        func wrongType(_ key: String, _ type: String) -> DatabaseError {
            DatabaseError.unprocessable("invalid where filter: \(key) must be \(type)")
        }
        if let v = o["valueInt"], !v.isNull {
            guard let i = v.intValue else { throw wrongType("valueInt", "an integer") }
            f.valueInt = i
        }
        if let v = o["valueNumber"], !v.isNull {
            guard let d = v.doubleValue else { throw wrongType("valueNumber", "a number") }
            f.valueNumber = d
        }
        if let v = o["valueBoolean"], !v.isNull {
            guard let b = v.boolValue else { throw wrongType("valueBoolean", "a boolean") }
            f.valueBoolean = b
        }
        for key in ["valueString", "valueText", "valueDate"] {
            if let v = o[key], !v.isNull {
                guard let s = v.stringValue else { throw wrongType(key, "a string") }
                switch key {
                case "valueString": f.valueString = s
                case "valueText": f.valueText = s
                default: f.valueDate = s
                }
            }
        }
        if let v = o["valueGeoRange"], !v.isNull {
            guard let lat = v["geoCoordinates"]?["latitude"]?.doubleValue,
                  let lon = v["geoCoordinates"]?["longitude"]?.doubleValue,
                  let max = v["distance"]?["max"]?.doubleValue
            else { throw wrongType("valueGeoRange", "{geoCoordinates: {latitude, longitude}, distance: {max}}") }
            f.valueGeoRange = GeoRange(latitude: lat, longitude: lon, maxDistance: max)
        }
        return f
    }

    /// The list operators of Weaviate ≥ 1.21 (the v4 client sends them in Aggregate's GraphQL `where`).
    public static let containsOperators = ["ContainsAny", "ContainsAll", "ContainsNone"]

    /// `ContainsAny|ContainsAll|ContainsNone` with a list value (or one value). 1.19's Equal on an array
    /// property matches when any element equals the value, so these are Or / And / Not-Or of one Equal
    /// per value, and every value is checked as Equal's would be.
    private static func contains(_ opName: String, _ o: [String: JSONValue]) throws -> WhereFilter {
        let keys = ["valueInt", "valueNumber", "valueBoolean", "valueString", "valueText", "valueDate"]
        let given = keys.filter { o[$0].map { !$0.isNull } ?? false }
        guard given.count == 1, let key = given.first, let raw = o[key] else {
            throw DatabaseError.unprocessable(
                "invalid where filter: \(opName) needs exactly one of \(keys.joined(separator: ", ")), with a list of values")
        }
        let values = raw.arrayValue ?? [raw]
        if values.isEmpty { throw DatabaseError.unprocessable("invalid where filter: \(opName) with an empty list of values") }
        var leaf = o
        leaf["operator"] = .string(WhereOperator.equal.rawValue)
        let leaves = try values.map { v -> WhereFilter in
            leaf[key] = v
            return try from(json: .object(leaf))
        }
        switch opName {
        case "ContainsAny": return WhereFilter(operator: .or, operands: leaves)
        case "ContainsAll": return WhereFilter(operator: .and, operands: leaves)
        default: return WhereFilter(operator: .not, operands: [WhereFilter(operator: .or, operands: leaves)])
        }
    }
}
