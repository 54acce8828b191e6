// Database results → `weaviate.v1.SearchResult`: property values typed by the class schema (the
// client decodes `Value` by its oneof case), metadata with `_present` flags, uuids as 16 bytes.
import Database
import Foundation
import SwiftProtobuf

struct ResultEncoding {
    let database: Database

    func result(_ hit: GetHit, _ cls: ClassDefinition, _ returns: ReturnSelection) async throws -> Weaviate_V1_SearchResult {
        var r = Weaviate_V1_SearchResult()
        r.metadata = metadata(hit.object, returns.metadata, vectorName: cls.vectorName, distance: hit.distance,
                              score: hit.score, explainScore: hit.explainScore)
        r.properties = try await properties(hit.object, cls, returns)
        return r
    }

    /// One groupBy group: its value as the name, the distances of its first and last member, and the
    /// members, whose metadata is at most id, vector and distance (as Weaviate answers groups).
    func groupResult(_ hit: GetHit, _ cls: ClassDefinition, _ returns: ReturnSelection) async throws -> Weaviate_V1_GroupByResult {
        var g = Weaviate_V1_GroupByResult()
        guard let group = hit.group else { return g }
        g.name = group.value
        g.minDistance = group.minDistance
        g.maxDistance = group.maxDistance
        g.numberOfObjects = Int64(group.count)
        var m = Weaviate_V1_MetadataRequest()
        m.uuid = true
        m.vector = returns.metadata.vector || !returns.metadata.vectors.isEmpty
        m.vectors = returns.metadata.vectors
        m.distance = returns.metadata.distance
        var memberReturns = returns
        memberReturns.metadata = m
        for member in group.hits { g.objects.append(try await result(member, cls, memberReturns)) }
        return g
    }

    /// `vectorName`: the class's first named vector (nil: one unnamed vector, which the client reads from
    /// `vector_bytes` as "default"); named vectors are returned in `vectors` by name.
    func metadata(_ o: WeaviateObject, _ m: Weaviate_V1_MetadataRequest, vectorName: String?, distance: Float? = nil,
                  score: Float? = nil, explainScore: String? = nil) -> Weaviate_V1_MetadataResult {
        var md = Weaviate_V1_MetadataResult()
        // The client reads the uuid only from id_as_bytes; the string form costs little and helps grpcurl users.
        md.id = o.id
        md.idAsBytes = WireFormats.uuidBytes(o.id) ?? Data()
        if m.vector || !m.vectors.isEmpty {
            if vectorName != nil {
                // Every named vector, or the ones asked for by name.
                for (name, v) in o.vectors.sorted(by: { $0.key < $1.key }) where m.vectors.isEmpty || m.vectors.contains(name) {
                    var named = Weaviate_V1_Vectors()
                    named.name = name
                    named.type = .singleFp32
                    named.vectorBytes = WireFormats.float32Bytes(v)
                    md.vectors.append(named)
                }
            } else if let v = o.vector {
                md.vectorBytes = WireFormats.float32Bytes(v)
            }
        }
        if m.creationTimeUnix { md.creationTimeUnix = o.creationTimeUnix; md.creationTimeUnixPresent = true }
        if m.lastUpdateTimeUnix { md.lastUpdateTimeUnix = o.lastUpdateTimeUnix; md.lastUpdateTimeUnixPresent = true }
        if m.distance, let d = distance { md.distance = d; md.distancePresent = true }
        if m.certainty, let d = distance { md.certainty = Float(1 - Double(d) / 2); md.certaintyPresent = true }
        if m.score, let s = score { md.score = s; md.scorePresent = true }
        // Weaviate answers an asked-for explain_score on every search, empty outside keyword search.
        if m.explainScore { md.explainScore = explainScore ?? ""; md.explainScorePresent = true }
        if m.isConsistent { md.isConsistent = true; md.isConsistentPresent = true }  // one node: always consistent
        return md
    }

    private func properties(_ o: WeaviateObject, _ cls: ClassDefinition, _ returns: ReturnSelection) async throws -> Weaviate_V1_PropertiesResult {
        var p = Weaviate_V1_PropertiesResult()
        p.targetCollection = cls.className
        var fields: [String: Weaviate_V1_Value] = [:]
        let names = returns.properties ?? (cls.properties ?? []).filter { !($0.kind?.isReference ?? false) }.map(\.name)
        for name in names {
            guard let value = o.properties[name], !value.isNull else { continue }
            let property = cls.property(named: name)
            let selected = returns.objectFields[name].map { Self.select(value, $0) } ?? value
            fields[name] = Self.value(selected, kind: property?.kind, nested: property?.nestedProperties)
        }
        var props = Weaviate_V1_Properties()
        props.fields = fields
        p.nonRefProps = props
        p.refPropsRequested = !returns.references.isEmpty
        for ref in returns.references {
            if let r = try await references(o, ref, cls) { p.refProps.append(r) }
        }
        return p
    }

    /// One requested reference property: the objects it points to, each with its own selection. Nil when
    /// the object never had the property: like Weaviate, the reply then has no entry for it (the client
    /// shows none), while a property emptied by deletes has an entry without objects.
    private func references(_ o: WeaviateObject, _ req: Weaviate_V1_RefPropertiesRequest, _ cls: ClassDefinition) async throws -> Weaviate_V1_RefPropertiesResult? {
        var out = Weaviate_V1_RefPropertiesResult()
        out.propName = req.referenceProperty
        guard case .reference(let targets)? = cls.property(named: req.referenceProperty)?.kind else {
            throw GRPCAPIError.invalidArgument("'\(req.referenceProperty)' is not a reference property of class '\(cls.className)'")
        }
        guard case .array(let refs)? = o.properties[req.referenceProperty] else { return nil }
        let beacons = refs.compactMap { $0["beacon"]?.stringValue }
        let wanted = req.targetCollection.isEmpty ? targets : [req.targetCollection]
        let m = req.hasMetadata ? req.metadata : Weaviate_V1_MetadataRequest()
        let objects = try await database.referencedObjects(beacons: beacons, targetClasses: targets, includeVector: m.vector,
                                                           tenant: o.tenant)
        for target in objects where wanted.contains(target.className) {
            guard let targetClass = database.getClass(target.className) else { continue }
            let selection = ReturnSelection(
                properties: req.hasProperties && !req.properties.returnAllNonrefProperties ? req.properties.nonRefProperties : nil,
                references: req.hasProperties ? req.properties.refProperties : [], metadata: m)
            var p = try await properties(target, targetClass, selection)
            p.metadata = metadata(target, m, vectorName: targetClass.vectorName)
            out.properties.append(p)
        }
        return out
    }

    /// A stored property value as the `Value` case its schema type decodes to in the client.
    /// `nested`: the fields of an object / object[] property, which type its values the same way.
    static func value(_ v: JSONValue, kind: PropertyDataType?, nested: [PropertyDefinition]? = nil) -> Weaviate_V1_Value {
        var out = Weaviate_V1_Value()
        switch (kind, v) {
        case (.object?, .object(let o)):
            out.objectValue = properties(o, nested ?? [])
        case (.objectArray?, .array(let items)):
            var values = Weaviate_V1_ObjectValues()
            values.values = items.compactMap { $0.objectValue.map { properties($0, nested ?? []) } }
            var list = Weaviate_V1_ListValue()
            list.objectValues = values
            out.listValue = list
        case (.text?, .string(let s)): out.textValue = s
        case (.date?, .string(let s)): out.dateValue = s
        case (.uuid?, .string(let s)): out.uuidValue = s
        case (.blob?, .string(let s)): out.blobValue = s
        case (.int?, _) where v.intValue != nil: out.intValue = v.intValue!
        case (.number?, _) where v.doubleValue != nil: out.numberValue = v.doubleValue!
        case (.boolean?, .bool(let b)): out.boolValue = b
        case (.geoCoordinates?, _):
            var g = Weaviate_V1_GeoCoordinate()
            g.latitude = Float(v["latitude"]?.doubleValue ?? 0)
            g.longitude = Float(v["longitude"]?.doubleValue ?? 0)
            out.geoValue = g
        case (.phoneNumber?, _):
            var p = Weaviate_V1_PhoneNumber()
            p.input = v["input"]?.stringValue ?? ""
            p.defaultCountry = v["defaultCountry"]?.stringValue ?? ""
            p.internationalFormatted = v["internationalFormatted"]?.stringValue ?? ""
            p.nationalFormatted = v["nationalFormatted"]?.stringValue ?? ""
            p.countryCode = UInt64(max(0, v["countryCode"]?.intValue ?? 0))
            p.national = UInt64(max(0, v["national"]?.intValue ?? 0))
            p.valid = v["valid"]?.boolValue ?? false
            out.phoneValue = p
        case (_, .array(let items)):
            out.listValue = list(items, kind: kind)
        case (_, .string(let s)): out.textValue = s
        case (_, .int(let i)): out.intValue = i
        case (_, .double(let d)): out.numberValue = d
        case (_, .bool(let b)): out.boolValue = b
        case (_, .object(let o)):
            var props = Weaviate_V1_Properties()
            for (k, x) in o { props.fields[k] = value(x, kind: nil) }
            out.objectValue = props
        case (_, .null): out.nullValue = .nullValue
        }
        return out
    }

    /// The fields of an object (or of each object of a list) that `request` asks for, recursively.
    static func select(_ v: JSONValue, _ request: Weaviate_V1_ObjectPropertiesRequest) -> JSONValue {
        switch v {
        case .array(let items): return .array(items.map { select($0, request) })
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for name in request.primitiveProperties { if let x = o[name] { out[name] = x } }
            for inner in request.objectProperties { if let x = o[inner.propName] { out[inner.propName] = select(x, inner) } }
            return .object(out)
        default: return v
        }
    }

    /// A nested object's fields, each typed by its nested property.
    private static func properties(_ o: [String: JSONValue], _ fields: [PropertyDefinition]) -> Weaviate_V1_Properties {
        var props = Weaviate_V1_Properties()
        for (k, x) in o {
            let field = fields.first { $0.name == k }
            props.fields[k] = value(x, kind: field?.kind, nested: field?.nestedProperties)
        }
        return props
    }

    private static func list(_ items: [JSONValue], kind: PropertyDataType?) -> Weaviate_V1_ListValue {
        var l = Weaviate_V1_ListValue()
        switch kind {
        case .intArray?:
            var x = Weaviate_V1_IntValues(); x.values = WireFormats.int64Bytes(items.compactMap(\.intValue)); l.intValues = x
        case .numberArray?:
            var x = Weaviate_V1_NumberValues(); x.values = WireFormats.float64Bytes(items.compactMap(\.doubleValue)); l.numberValues = x
        case .booleanArray?:
            var x = Weaviate_V1_BoolValues(); x.values = items.compactMap(\.boolValue); l.boolValues = x
        case .dateArray?:
            var x = Weaviate_V1_DateValues(); x.values = items.compactMap(\.stringValue); l.dateValues = x
        case .uuidArray?:
            var x = Weaviate_V1_UuidValues(); x.values = items.compactMap(\.stringValue); l.uuidValues = x
        default:
            var x = Weaviate_V1_TextValues(); x.values = items.compactMap(\.stringValue); l.textValues = x
        }
        return l
    }
}
