// The two ways Weaviate 1.19 groups a Get's hits, as pure functions over the hits (no storage):
// `groupBy` (the shard's grouper: buckets by a property value) and `group` (the traverser's grouper:
// folds hits whose vectors are close). QueryEngine.swift decides when they run.
import Foundation

enum HitGrouping {
    // MARK: groupBy

    /// The values `object` is grouped under: each element of an array, a reference's beacon, and ""
    /// when the property is missing or an empty array (Weaviate reads the stored JSON, which then has no
    /// value, and groups the object under the empty string). A value repeated in one array counts once.
    static func groupValues(of object: WeaviateObject, property: String) -> [String] {
        let items: [JSONValue]
        switch object.properties[property] {
        case nil, .null?: return [""]
        case .array(let a)?: items = a
        case let v?: items = [v]
        }
        guard !items.isEmpty else { return [""] }
        var seen = Set<String>()
        return items.map(groupValue).filter { seen.insert($0).inserted }
    }

    /// One value as groupBy names it: text as stored, a reference as its beacon, numbers and other
    /// values as their JSON text (whole numbers without a fraction, as Go writes them).
    static func groupValue(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .object(let o):
            if case .string(let beacon)? = o["beacon"] { return beacon }
            return v.jsonString()
        default: return v.jsonString()
        }
    }

    /// Buckets `hits` (closest first) by `property`: groups in the order their first member appears, at
    /// most `groups` of them and `objectsPerGroup` members each. As 1.19's grouper: a value whose group
    /// is full is skipped, and an object with a value that would open a group beyond `groups` is left
    /// out of every later group too. Each result is its group's first member, carrying the group.
    static func groupBy(_ hits: [GetHit], property: String, groups: Int, objectsPerGroup: Int) -> [GetHit] {
        var order: [String] = []
        var members: [String: [GetHit]] = [:]
        nextHit: for hit in hits {
            for value in groupValues(of: hit.object, property: property) {
                let current = members[value]
                if (current?.count ?? 0) >= objectsPerGroup { continue }
                if current == nil {
                    if order.count >= groups { continue nextHit }
                    order.append(value)
                }
                var member = hit
                member.group = nil
                members[value, default: []].append(member)
            }
        }
        return order.enumerated().map { i, value in
            let group = members[value]!
            var first = group[0]
            first.group = HitGroup(id: i, value: value, path: [property], hits: group)
            return first
        }
    }

    // MARK: group (closest / merge)

    /// 1.19's `group`: a hit joins the first group holding a member whose normalised distance
    /// `(1 − cos)/2` is below `force` (vectors of other lengths, or without length, never match), else it
    /// opens a group; `closest` answers each group with its first member, `merge` with one merged object.
    static func fold(_ hits: [GetHit], _ p: GroupParameter, cls: ClassDefinition) throws -> [GetHit] {
        guard let strategy = p.type else {
            throw DatabaseError.unprocessable("grouper: unrecognized grouping strategy ''")
        }
        let force = Float(p.force)
        var groups: [[GetHit]] = []
        for hit in hits {
            let v = hit.object.vector ?? []
            if let k = groups.firstIndex(where: { $0.contains { normalizedDistance(v, $0.object.vector ?? []).map { $0 < force } ?? false } }) {
                groups[k].append(hit)
            } else {
                groups.append([hit])
            }
        }
        switch strategy {
        case .closest: return groups.map { $0[0] }
        case .merge:
            return try groups.enumerated().map { i, members in
                do { return try merge(members, cls: cls) } catch let e as DatabaseError {
                    throw DatabaseError(e.kind, "grouper: group \(i): " + e.message)
                }
            }
        }
    }

    /// `(1 − cos)/2` computed as Weaviate does (float32 products summed in float64); nil when the lengths differ.
    static func normalizedDistance(_ a: [Float], _ b: [Float]) -> Float? {
        guard a.count == b.count else { return nil }
        var dot = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            dot += Double(a[i] * b[i]); aa += Double(a[i] * a[i]); bb += Double(b[i] * b[i])
        }
        let sim = Float(dot / (aa.squareRoot() * bb.squareRoot()))
        return (1 - sim) / 2
    }

    /// One object for a group: text values joined as `first (second, third)` (each once), numbers
    /// averaged (int properties truncated, as GraphQL's Int does), booleans by majority (a tie is true),
    /// geo coordinates averaged, references united (each target once), other arrays and phone numbers
    /// left out; the vectors averaged. The merged object has no id or timestamps; its distance is 0 in a
    /// vector search.
    static func merge(_ members: [GetHit], cls: ClassDefinition) throws -> GetHit {
        var names: [String] = []
        var values: [String: [JSONValue]] = [:]
        for m in members {
            for (name, value) in m.object.properties.sorted(by: { $0.key < $1.key }) where !value.isNull {
                if values[name] == nil { names.append(name) }
                values[name, default: []].append(value)
            }
        }
        var merged: [String: JSONValue] = [:]
        for name in names {
            if let v = mergeValues(values[name]!, kind: cls.property(named: name)?.kind) { merged[name] = v }
        }
        let object = WeaviateObject(className: members[0].object.className, id: "", properties: merged,
                                    vector: try mergeVectors(members.map { $0.object.vector ?? [] }))
        return GetHit(object: object, distance: members[0].distance == nil ? nil : 0)
    }

    private static func mergeValues(_ values: [JSONValue], kind: PropertyDataType?) -> JSONValue? {
        switch (kind, values[0]) {
        case (.geoCoordinates?, _):
            var lat: Float = 0, lon: Float = 0
            for v in values { lat += Float(v["latitude"]?.doubleValue ?? 0); lon += Float(v["longitude"]?.doubleValue ?? 0) }
            let n = Float(values.count)
            return .object(["latitude": .double(Double(lat / n)), "longitude": .double(Double(lon / n))])
        case (.phoneNumber?, _): return nil
        case (.reference?, _):
            var seen = Set<String>()
            var out: [JSONValue] = []
            for case .array(let refs) in values {
                for ref in refs {
                    guard let beacon = ref["beacon"]?.stringValue else { continue }
                    let target = (try? parseBeacon(beacon).id) ?? beacon
                    if seen.insert(target).inserted { out.append(ref) }
                }
            }
            return .array(out)
        case (_, .array): return nil
        case (_, .string):
            var seen = Set<String>()
            let texts = values.compactMap(\.stringValue).filter { seen.insert($0).inserted }
            guard let first = texts.first else { return nil }
            return .string(texts.count == 1 ? first : "\(first) (\(texts.dropFirst().joined(separator: ", ")))")
        case (_, .bool):
            let trues = values.filter { $0.boolValue == true }.count
            return .bool(trues >= values.count - trues)
        case (_, .int), (_, .double):
            let numbers = values.compactMap(\.doubleValue)
            guard !numbers.isEmpty else { return nil }
            let mean = numbers.reduce(0, +) / Double(numbers.count)
            if kind == .int { return .int(Int64(mean.rounded(.towardZero))) }
            return .double(mean)
        default: return nil
        }
    }

    private static func mergeVectors(_ vectors: [[Float]]) throws -> [Float]? {
        guard let first = vectors.first else { return nil }
        if vectors.count == 1 { return first.isEmpty ? nil : first }
        var sum = [Float](repeating: 0, count: first.count)
        for v in vectors {
            guard v.count == first.count else {
                throw DatabaseError.unprocessable("merge vectors: vectors have different dimensions")
            }
            for i in v.indices { sum[i] += v[i] }
        }
        let n = Float(vectors.count)
        return first.isEmpty ? nil : sum.map { $0 / n }
    }
}
