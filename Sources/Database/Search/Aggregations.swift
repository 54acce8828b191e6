// Per-property aggregations of Aggregate queries (Weaviate 1.19 `entities/aggregation`), computed over
// the values of the objects that matched. Pure functions so they are tested without a store.

/// `{count minimum maximum mean median mode sum}` of an int or number property.
public struct NumericAggregation: Sendable, Equatable {
    public var count: Int
    public var minimum: Double?
    public var maximum: Double?
    public var mean: Double?
    public var median: Double?
    public var mode: Double?
    public var sum: Double?

    /// Aggregates `values`; the statistics are nil when there are none (Weaviate returns null).
    public init(values: [Double]) {
        count = values.count
        guard !values.isEmpty else { return }
        let sorted = values.sorted()
        minimum = sorted.first
        maximum = sorted.last
        let total = values.reduce(0, +)
        sum = total
        mean = total / Double(values.count)
        let mid = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        // Mode: the most frequent value; on a tie the smallest (values are visited in ascending order).
        var bestValue = sorted[0], bestCount = 0, runValue = sorted[0], runCount = 0
        for v in sorted {
            if v == runValue { runCount += 1 } else { runValue = v; runCount = 1 }
            if runCount > bestCount { bestCount = runCount; bestValue = runValue }
        }
        mode = bestValue
    }
}

/// `{count minimum maximum median mode}` of a date property (Weaviate ≥ 1.20), as RFC 3339 texts in UTC.
public struct DateAggregation: Sendable, Equatable {
    public var count: Int
    public var minimum: String?
    public var maximum: String?
    public var median: String?
    public var mode: String?

    /// Aggregates dates given as nanoseconds since the epoch; nil statistics when there are none.
    public init(nanos values: [Int64]) {
        count = values.count
        guard !values.isEmpty else { return }
        let sorted = values.sorted()
        minimum = ValueFormats.rfc3339Nano(sorted[0])
        maximum = ValueFormats.rfc3339Nano(sorted[sorted.count - 1])
        let mid = sorted.count / 2
        // The middle of two middle dates, computed without overflowing.
        median = ValueFormats.rfc3339Nano(sorted.count % 2 == 1 ? sorted[mid]
                                          : sorted[mid - 1] + (sorted[mid] - sorted[mid - 1]) / 2)
        // Mode as for numbers: the most frequent, the earliest on a tie.
        var best = sorted[0], bestCount = 0, run = sorted[0], runCount = 0
        for v in sorted {
            if v == run { runCount += 1 } else { run = v; runCount = 1 }
            if runCount > bestCount { bestCount = runCount; best = run }
        }
        mode = ValueFormats.rfc3339Nano(best)
    }
}

/// `{count topOccurrences{value occurs}}` of a text property.
public struct TextAggregation: Sendable, Equatable {
    public struct Occurrence: Sendable, Equatable {
        public var value: String
        public var occurs: Int
    }
    public var count: Int
    /// Every distinct value, most frequent first (ties by value); callers apply the `limit`.
    public var occurrences: [Occurrence]

    public init(values: [String]) {
        count = values.count
        var counts: [String: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        occurrences = counts.map { Occurrence(value: $0.key, occurs: $0.value) }
            .sorted { $0.occurs != $1.occurs ? $0.occurs > $1.occurs : $0.value < $1.value }
    }

    /// The first `limit` occurrences (Weaviate's default limit is 5).
    public func top(_ limit: Int?) -> [Occurrence] {
        Array(occurrences.prefix(max(0, limit ?? 5)))
    }
}

/// `{count totalTrue totalFalse percentageTrue percentageFalse}` of a boolean property.
public struct BooleanAggregation: Sendable, Equatable {
    public var count: Int
    public var totalTrue: Int
    public var totalFalse: Int
    public var percentageTrue: Double
    public var percentageFalse: Double

    public init(values: [Bool]) {
        count = values.count
        totalTrue = values.filter { $0 }.count
        totalFalse = count - totalTrue
        percentageTrue = count == 0 ? 0 : Double(totalTrue) / Double(count)
        percentageFalse = count == 0 ? 0 : Double(totalFalse) / Double(count)
    }
}

/// The aggregation of one property, by its data type.
public enum PropertyAggregation: Sendable, Equatable {
    case numeric(NumericAggregation)
    case text(TextAggregation)
    case boolean(BooleanAggregation)
    case date(DateAggregation)
    /// uuids, blobs, geo coordinates and phone numbers: only a count.
    case count(Int)
    /// A cross-reference: the target classes and how many references there are.
    case reference(pointingTo: [String], count: Int)
}

extension PropertyAggregation {
    /// Aggregates property `property` of `objects` according to its type (array values count one by one).
    public static func compute(property: PropertyDefinition, objects: [WeaviateObject]) -> PropertyAggregation? {
        guard let kind = property.kind else { return nil }
        var values: [JSONValue] = []
        for object in objects {
            guard let value = object.properties[property.name], !value.isNull else { continue }
            if case .array(let items) = value { values.append(contentsOf: items.filter { !$0.isNull }) } else { values.append(value) }
        }
        switch kind {
        case .reference(let classes):
            return .reference(pointingTo: classes, count: values.count)
        case .int, .intArray, .number, .numberArray:
            return .numeric(NumericAggregation(values: values.compactMap(\.doubleValue)))
        case .text, .textArray:
            return .text(TextAggregation(values: values.compactMap(\.stringValue)))
        case .boolean, .booleanArray:
            return .boolean(BooleanAggregation(values: values.compactMap(\.boolValue)))
        case .date, .dateArray:
            return .date(DateAggregation(nanos: values.compactMap { $0.stringValue.flatMap(ValueFormats.rfc3339Nanos) }))
        case .uuid, .uuidArray, .blob, .geoCoordinates, .phoneNumber, .object, .objectArray:
            return .count(values.count)
        }
    }
}
