// `weaviate.v1.BatchObject` → the Database's `ObjectInput` (what REST batch import produces). The
// client splits properties by Python type (a protobuf Struct for scalars, typed messages for lists,
// references apart); they are joined back into one JSON object here.
import Database
import Foundation
import SwiftProtobuf

enum BatchObjectDecoding {
    /// `cls` is the target class when it exists: a Struct has no integers (`3` arrives as `3.0`), so
    /// whole numbers become ints where the schema says int or int[].
    static func input(_ b: Weaviate_V1_BatchObject, cls: ClassDefinition?) throws(GRPCAPIError) -> ObjectInput {
        var input = ObjectInput(className: b.collection, id: b.uuid.isEmpty ? nil : b.uuid,
                                tenant: b.tenant.isEmpty ? nil : b.tenant)
        if !b.vectorBytes.isEmpty {
            input.vector = try WireFormats.float32s(b.vectorBytes)
        } else if !b.vectors.isEmpty {
            // Named vectors; the Database checks the names against the class's.
            for v in b.vectors {
                guard v.type != .multiFp32 else { throw .invalidArgument("multi-vectors (ColBERT style) are not supported by Iris") }
                let vector = try WireFormats.float32s(v.vectorBytes)
                if v.name.isEmpty || v.name == "default" && cls?.vectorName == nil {
                    input.vector = vector
                } else {
                    input.namedVectors[v.name] = vector
                }
            }
        } else if !b.vector.isEmpty {
            input.vector = b.vector
        }
        if b.hasProperties {
            input.properties = try properties(b.properties, cls: cls)
        }
        return input
    }

    static func properties(_ p: Weaviate_V1_BatchObject.Properties, cls: ClassDefinition?) throws(GRPCAPIError) -> [String: JSONValue] {
        var out = try fields(p)
        for r in p.singleTargetRefProps {
            out[r.propName] = .array(r.uuids.map { .object(["beacon": .string("weaviate://localhost/\($0)")]) })
        }
        for r in p.multiTargetRefProps {
            out[r.propName] = .array(r.uuids.map {
                .object(["beacon": .string("weaviate://localhost/\(r.targetCollection)/\($0)")])
            })
        }
        if let cls { coerceIntegers(&out, cls.properties ?? []) }
        return out
    }

    /// The fields of an object or of a nested object, which the client splits by Python type alike.
    private static func fields(_ p: some SplitProperties) throws(GRPCAPIError) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        if p.hasNonRefProperties {
            for (k, v) in p.nonRefProperties.fields { out[k] = json(v) }
        }
        for a in p.numberArrayProperties {
            let values = a.valuesBytes.isEmpty ? a.values : try WireFormats.float64s(a.valuesBytes)
            out[a.propName] = .array(values.map { .double($0) })
        }
        for a in p.intArrayProperties { out[a.propName] = .array(a.values.map { .int($0) }) }
        for a in p.textArrayProperties { out[a.propName] = .array(a.values.map { .string($0) }) }
        for a in p.booleanArrayProperties { out[a.propName] = .array(a.values.map { .bool($0) }) }
        for name in p.emptyListProps { out[name] = .array([]) }
        for o in p.objectProperties { out[o.propName] = .object(try fields(o.value)) }
        for a in p.objectArrayProperties { out[a.propName] = .array(try a.values.map { v throws(GRPCAPIError) in .object(try fields(v)) }) }
        return out
    }

    private static func json(_ v: Google_Protobuf_Value) -> JSONValue {
        switch v.kind {
        case .nullValue?, nil: return .null
        case .numberValue(let d)?: return .double(d)
        case .stringValue(let s)?: return .string(s)
        case .boolValue(let b)?: return .bool(b)
        case .structValue(let s)?:
            var o: [String: JSONValue] = [:]
            for (k, x) in s.fields { o[k] = json(x) }
            return .object(o)
        case .listValue(let l)?: return .array(l.values.map(json))
        }
    }

    /// Whole numbers become ints where the schema says int or int[], inside nested objects too.
    private static func coerceIntegers(_ props: inout [String: JSONValue], _ definitions: [PropertyDefinition]) {
        func whole(_ v: JSONValue) -> JSONValue {
            if case .double(let d) = v, d == d.rounded(), abs(d) < 9.2e18 { return .int(Int64(d)) }
            return v
        }
        func nested(_ v: JSONValue, _ fields: [PropertyDefinition]) -> JSONValue {
            guard case .object(var o) = v else { return v }
            coerceIntegers(&o, fields)
            return .object(o)
        }
        for (name, value) in props {
            guard let p = definitions.first(where: { $0.name == name }) else { continue }
            switch p.kind {
            case .int?: props[name] = whole(value)
            case .intArray?: if case .array(let a) = value { props[name] = .array(a.map(whole)) }
            case .object?: props[name] = nested(value, p.nestedProperties ?? [])
            case .objectArray?: if case .array(let a) = value { props[name] = .array(a.map { nested($0, p.nestedProperties ?? []) }) }
            default: break
            }
        }
    }
}

/// The typed field lists a batch object and a nested object share.
protocol SplitProperties {
    var hasNonRefProperties: Bool { get }
    var nonRefProperties: Google_Protobuf_Struct { get }
    var numberArrayProperties: [Weaviate_V1_NumberArrayProperties] { get }
    var intArrayProperties: [Weaviate_V1_IntArrayProperties] { get }
    var textArrayProperties: [Weaviate_V1_TextArrayProperties] { get }
    var booleanArrayProperties: [Weaviate_V1_BooleanArrayProperties] { get }
    var objectProperties: [Weaviate_V1_ObjectProperties] { get }
    var objectArrayProperties: [Weaviate_V1_ObjectArrayProperties] { get }
    var emptyListProps: [String] { get }
}

extension Weaviate_V1_BatchObject.Properties: SplitProperties {}
extension Weaviate_V1_ObjectPropertiesValue: SplitProperties {}
