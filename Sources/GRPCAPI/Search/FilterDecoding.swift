// `weaviate.v1.Filters` → the Database's `WhereFilter` (the same type GraphQL's `where` and REST batch
// delete produce), so one filter compiler serves every API.
import Database

struct FilterDecoding {
    /// The class the filter runs on, and a lookup for the targets of reference paths.
    let cls: ClassDefinition
    let classNamed: (String) -> ClassDefinition?

    func decode(_ f: Weaviate_V1_Filters) throws(GRPCAPIError) -> WhereFilter {
        switch f.operator {
        case .and, .or, .not:
            let op: WhereOperator = f.operator == .and ? .and : f.operator == .or ? .or : .not
            var operands: [WhereFilter] = []
            for child in f.filters { operands.append(try decode(child)) }
            return WhereFilter(operator: op, operands: operands)
        case .containsAny, .containsAll, .containsNone:
            // 1.19's Equal on an array property matches when any element equals the value, so
            // ContainsAny/All/None are Or/And/Not over one Equal per given value.
            let path = try self.path(f)
            let leaves = try arrayValues(f).map { v throws(GRPCAPIError) in try leaf(.equal, path, v) }
            if leaves.isEmpty { throw .invalidArgument("filter \(f.operator): the value list is empty") }
            switch f.operator {
            case .containsAny: return WhereFilter(operator: .or, operands: leaves)
            case .containsAll: return WhereFilter(operator: .and, operands: leaves)
            default: return WhereFilter(operator: .not, operands: [WhereFilter(operator: .or, operands: leaves)])
            }
        case .unspecified, .UNRECOGNIZED:
            throw .invalidArgument("filter: unknown operator \(f.operator.rawValue)")
        default:
            let op: WhereOperator
            switch f.operator {
            case .equal: op = .equal
            case .notEqual: op = .notEqual
            case .greaterThan: op = .greaterThan
            case .greaterThanEqual: op = .greaterThanEqual
            case .lessThan: op = .lessThan
            case .lessThanEqual: op = .lessThanEqual
            case .like: op = .like
            case .isNull: op = .isNull
            default: op = .withinGeoRange
            }
            let path = try self.path(f)
            guard let value = f.testValue else { throw .invalidArgument("filter on \(path): no value given") }
            return try leaf(op, path, value)
        }
    }

    /// The property path in 1.19's form: `[prop]`, or `[refProp, TargetClass, …]` through references.
    private func path(_ f: Weaviate_V1_Filters) throws(GRPCAPIError) -> [String] {
        if f.hasTarget { return try path(f.target, in: cls) }
        if !f.on.isEmpty { return f.on }
        throw .invalidArgument("filter: no target property given")
    }

    private func path(_ t: Weaviate_V1_FilterTarget, in owner: ClassDefinition) throws(GRPCAPIError) -> [String] {
        switch t.target {
        case .property(let p)?:
            return [p == "_id" ? "id" : p]
        case .singleTarget(let s)?:
            guard case .reference(let targets)? = owner.property(named: s.on)?.kind, let first = targets.first,
                  let target = classNamed(first) else {
                throw .invalidArgument("filter: '\(s.on)' is not a reference property of class '\(owner.className)'")
            }
            return [s.on, target.className] + (try path(s.target, in: target))
        case .multiTarget(let m)?:
            guard let target = classNamed(m.targetCollection) else {
                throw .invalidArgument("filter: class '\(m.targetCollection)' not found")
            }
            return [m.on, target.className] + (try path(m.target, in: target))
        case .count(let c)?:
            return [c.on]
        case nil:
            throw .invalidArgument("filter: empty target")
        }
    }

    /// Dates arrive as `value_text` (RFC 3339): date properties and the timestamp paths take `valueDate`.
    private func leaf(_ op: WhereOperator, _ path: [String], _ v: Weaviate_V1_Filters.OneOf_TestValue) throws(GRPCAPIError) -> WhereFilter {
        var f = WhereFilter(operator: op, path: path)
        switch v {
        case .valueText(let s):
            if isDatePath(path) { f.valueDate = s } else { f.valueText = s }
        // The client sends a Python int as value_int and a float as value_number whatever the property's
        // type; Weaviate's gRPC API reads the number as the property's type (1.0 matches an int property,
        // 1.2 is refused), where GraphQL's `where` insists on the matching value field.
        case .valueInt(let i):
            switch propertyKind(path) {
            case .number?, .numberArray?: f.valueNumber = Double(i)
            default: f.valueInt = i
            }
        case .valueBoolean(let b): f.valueBoolean = b
        case .valueNumber(let d):
            switch propertyKind(path) {
            case .int?, .intArray?:
                guard d.rounded() == d, let i = Int64(exactly: d) else {
                    throw .invalidArgument("filter on \(path): the property is an int, but the value \(d) is not a whole number")
                }
                f.valueInt = i
            default: f.valueNumber = d
            }
        case .valueGeo(let g):
            f.valueGeoRange = GeoRange(latitude: Double(g.latitude), longitude: Double(g.longitude), maxDistance: Double(g.distance))
        case .valueTextArray, .valueIntArray, .valueBooleanArray, .valueNumberArray:
            throw .invalidArgument("filter on \(path): a list of values needs ContainsAny, ContainsAll or ContainsNone")
        }
        return f
    }

    private func arrayValues(_ f: Weaviate_V1_Filters) throws(GRPCAPIError) -> [Weaviate_V1_Filters.OneOf_TestValue] {
        switch f.testValue {
        case .valueTextArray(let a)?: return a.values.map { .valueText($0) }
        case .valueIntArray(let a)?: return a.values.map { .valueInt($0) }
        case .valueBooleanArray(let a)?: return a.values.map { .valueBoolean($0) }
        case .valueNumberArray(let a)?: return a.values.map { .valueNumber($0) }
        case let single?: return [single]
        case nil: throw .invalidArgument("filter \(f.operator): no values given")
        }
    }

    private func isDatePath(_ path: [String]) -> Bool {
        if path.last == "_creationTimeUnix" || path.last == "_lastUpdateTimeUnix" { return true }
        switch propertyKind(path) {
        case .date?, .dateArray?: return true
        default: return false
        }
    }

    /// The schema type of the property a path ends at (through references), nil when unknown.
    private func propertyKind(_ path: [String]) -> PropertyDataType? {
        guard let last = path.last else { return nil }
        let owner = path.count >= 3 ? classNamed(path[path.count - 2]) : cls
        return owner?.property(named: last)?.kind
    }
}
