import Foundation
import Storage

extension Database {
    enum ReferenceUpdate { case add([ReferenceInput]), replace([ReferenceInput]), delete(ReferenceInput) }

    /// Adds, replaces or removes references of one reference property, as one durable write.
    func updateReferencesImpl(className: String?, id: String, property: String, mode: ReferenceUpdate) throws {
        let lid = id.lowercased()
        guard let (st, old) = try locate(className: className.map(Database.normalizeClassName), id: lid) else {
            throw DatabaseError.notFound("source object '\(lid)' not found")
        }
        guard let p = st.definition.property(named: property) else {
            throw DatabaseError.unprocessable(
                "no such prop with name '\(property)' found in class '\(st.name)' in the schema. Check your schema files for which properties in this class are available")
        }
        guard case .reference(let targets)? = p.kind else {
            throw DatabaseError.unprocessable("property '\(property)' of class '\(st.name)' is not a reference property")
        }
        func normalized(_ r: ReferenceInput) throws -> JSONValue {
            let v = try normalizeBeacon(r.beacon, property: property, className: st.name)
            if let b = v["beacon"]?.stringValue, let cls = (try? parseBeacon(b))?.className, !targets.contains(cls) {
                throw DatabaseError.unprocessable(
                    "invalid reference: property '\(property)' of class '\(st.name)' cannot reference class '\(cls)'")
            }
            return v
        }
        var list = old.properties[property]?.arrayValue ?? []
        switch mode {
        case .add(let refs): list += try refs.map(normalized)
        case .replace(let refs): list = try refs.map(normalized)
        case .delete(let ref):
            let target = try normalized(ref)
            let targetID = target["beacon"]?.stringValue.flatMap { try? parseBeacon($0) }?.id.lowercased()
            list.removeAll { item in
                item["beacon"]?.stringValue.flatMap { try? parseBeacon($0) }?.id.lowercased() == targetID
            }
        }
        var props = old.properties
        props[property] = .array(list)
        let w = PendingWrite(st: st, id: lid, properties: props, vector: old.vector, created: old.creationTimeUnix,
                             updated: ValueFormats.nowMillis(), additional: old.additional, mode: .update)
        _ = try single(try commit([w])[0])
    }

    func batchReferencesImpl(_ references: [BatchReferenceInput]) throws -> [BatchReferenceResult] {
        // Group by source object so each object is rewritten once; results stay in input order.
        var results: [BatchReferenceResult] = []
        for r in references {
            do {
                let (cls, id, prop) = try Database.parseFromBeacon(r.from)
                try updateReferencesImpl(className: cls, id: id, property: prop, mode: .add([ReferenceInput(beacon: r.to)]))
                results.append(BatchReferenceResult(from: r.from, to: r.to, error: nil))
            } catch let e as DatabaseError {
                results.append(BatchReferenceResult(from: r.from, to: r.to, error: e.message))
            }
        }
        return results
    }

    /// `weaviate://localhost/<Class>/<uuid>/<prop>` → (class, id, prop).
    static func parseFromBeacon(_ s: String) throws -> (String, String, String) {
        let prefix = "weaviate://localhost/"
        let parts = s.hasPrefix(prefix) ? s.dropFirst(prefix.count).split(separator: "/").map(String.init) : []
        guard parts.count == 3, ValueFormats.isUUID(parts[1]) else {
            throw DatabaseError.unprocessable(
                "invalid source beacon '\(s)': must be of the form weaviate://localhost/<className>/<uuid>/<propertyName>")
        }
        return (Database.normalizeClassName(parts[0]), parts[1].lowercased(), parts[2])
    }

    func batchDeleteImpl(className: String?, filter: WhereFilter?, dryRun: Bool, verbose: Bool) throws -> BatchDeleteResult {
        guard let className, !className.isEmpty else {
            throw DatabaseError.unprocessable("validate: empty match.class clause")
        }
        guard let filter else { throw DatabaseError.unprocessable("validate: empty match.where clause") }
        guard let st = state(className) else { throw DatabaseError.unprocessable("validate: class: \(className) doesn't exist") }
        guard let c = try compileFilter(filter, st) else { throw DatabaseError.unprocessable("validate: empty match.where clause") }
        let limit = config.queryMaximumResults
        // Like Weaviate, the matching doc ids are searched with limit QUERY_MAXIMUM_RESULTS, so `matches`
        // is at most the limit; repeating the call deletes the rest.
        let hits = try read { db in
            try ObjectTables.ids(db, classID: st.id, condition: c.sql, arguments: c.arguments, limit: limit)
        }
        let matches = hits.count
        var items: [BatchDeleteResult.Item] = []
        var successful = 0, failed = 0
        if dryRun {
            if verbose { items = hits.map { .init(id: $0.uuid, status: "DRYRUN", error: nil) } }
        } else {
            do {
                try deleteDocs(st, docIDs: hits.map(\.docID))
                successful = hits.count
                if verbose { items = hits.map { .init(id: $0.uuid, status: "SUCCESS", error: nil) } }
            } catch let e as DatabaseError {
                failed = hits.count
                items = hits.map { .init(id: $0.uuid, status: "FAILED", error: e.message) }
            }
        }
        return BatchDeleteResult(matches: matches, limit: limit, successful: successful, failed: failed, objects: items)
    }
}
