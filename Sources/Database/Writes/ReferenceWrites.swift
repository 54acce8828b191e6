import Foundation
import Storage

/// Reference writes and batch deletes. Each list change is resolved inside the store's writer against
/// the list as it is then, so concurrent adds to one object's references all land.
extension Database {
    /// Appends a reference to `property` (`POST …/references/{prop}`).
    public func addReference(className: String?, id: String, property: String, _ reference: ReferenceInput,
                             tenant: String? = nil) async throws {
        try await updateReferences(className: className, id: id, property: property, tenant: tenant, beacons: [reference.beacon]) {
            .add([try $0(reference)])
        }
    }

    /// Replaces all references of `property` (`PUT …/references/{prop}`).
    public func replaceReferences(className: String?, id: String, property: String, _ references: [ReferenceInput],
                                  tenant: String? = nil) async throws {
        try await updateReferences(className: className, id: id, property: property, tenant: tenant,
                                   beacons: references.map(\.beacon)) { n in .replace(try references.map(n)) }
    }

    /// Removes a reference from `property` (`DELETE …/references/{prop}`).
    public func deleteReference(className: String?, id: String, property: String, _ reference: ReferenceInput,
                                tenant: String? = nil) async throws {
        try await updateReferences(className: className, id: id, property: property, tenant: tenant, beacons: [reference.beacon]) { n in
            let target = try n(reference)
            let targetID = target["beacon"]?.stringValue.flatMap { try? parseBeacon($0) }?.id.lowercased() ?? ""
            return .remove(targetID: targetID)
        }
    }

    /// `POST /v1/batch/references`: results in input order; every valid reference is added in one
    /// transaction (several to one object land one after the other).
    public func batchReferences(_ references: [BatchReferenceInput]) async throws -> [BatchReferenceResult] {
        var errors = [String?](repeating: nil, count: references.count)
        var writes: [ObjectWrite] = []
        var positions: [Int] = []
        for (k, r) in references.enumerated() {
            do {
                let (cls, id, prop) = try Database.parseFromBeacon(r.from)
                writes.append(try await referenceWrite(className: cls, id: id, property: prop, tenant: r.tenant, beacons: [r.to]) {
                    .add([try $0(ReferenceInput(beacon: r.to))])
                })
                positions.append(k)
            } catch let e as DatabaseError {
                errors[k] = e.message
            }
        }
        if !writes.isEmpty {
            for (j, outcome) in try await commit(writes).enumerated() {
                if case .failed(let e) = outcome { errors[positions[j]] = e.message }
            }
        }
        return zip(references, errors).map { BatchReferenceResult(from: $0.from, to: $0.to, error: $1) }
    }

    /// `DELETE /v1/batch/objects`: deletes (or with `dryRun` only counts) the objects of `className` matching
    /// `filter`, at most QUERY_MAXIMUM_RESULTS. Errors (422): `validate: empty match.class clause`,
    /// `empty match.where clause`, `class: X doesn't exist`, filter errors.
    public func batchDelete(className: String?, filter: WhereFilter?, dryRun: Bool, verbose: Bool,
                            tenant: String? = nil) async throws -> BatchDeleteResult {
        guard let className, !className.isEmpty else {
            throw DatabaseError.unprocessable("validate: empty match.class clause")
        }
        guard let filter else { throw DatabaseError.unprocessable("validate: empty match.where clause") }
        guard let cls = state(className) else { throw DatabaseError.unprocessable("validate: class: \(className) doesn't exist") }
        let st = try shard(cls, tenant: tenant)
        guard let c = try compileFilter(filter, st) else { throw DatabaseError.unprocessable("validate: empty match.where clause") }
        let limit = config.queryMaximumResults
        // Like Weaviate, the matching doc ids are searched with limit QUERY_MAXIMUM_RESULTS, so `matches`
        // is at most the limit; repeating the call deletes the rest.
        if dryRun {
            let hits = try await read { rows in try rows.ids(st, where: c, limit: limit) }
            let items = verbose ? hits.map { BatchDeleteResult.Item(id: $0.uuid, status: "DRYRUN", error: nil) } : []
            // Weaviate counts every object without an error as successful, the dry run's included.
            return BatchDeleteResult(matches: hits.count, limit: limit, successful: hits.count, failed: 0, objects: items)
        }
        // Matching and deleting in one transaction: an object that a concurrent write makes match (or stop
        // matching) is deleted exactly when the serial order says so.
        let hits: [(docID: UInt64, uuid: String)]
        await awaitStartupCheck()
        try ensureWritable()
        do {
            hits = try await engine.write { tx in
                // A tenant deleted or deactivated since `shard` resolved it has no tables to delete from.
                guard self.isLive(st) else { throw self.notLiveError(st) }
                let hits = try tx.ids(st, where: c, limit: limit)
                for h in hits { try tx.delete(st, docID: h.docID) }
                return hits
            }
        } catch {
            throw storageFailure(error, "store delete")
        }
        let items = verbose ? hits.map { BatchDeleteResult.Item(id: $0.uuid, status: "SUCCESS", error: nil) } : []
        return BatchDeleteResult(matches: hits.count, limit: limit, successful: hits.count, failed: 0, objects: items)
    }

    // MARK: Helpers

    /// Normalises a reference for `property` of the located object's class.
    typealias ReferenceNormalizer = (ReferenceInput) throws -> JSONValue

    private func updateReferences(className: String?, id: String, property: String, tenant: String?, beacons: [String],
                                  _ change: (ReferenceNormalizer) throws -> ReferenceChange) async throws {
        let w = try await referenceWrite(className: className, id: id, property: property, tenant: tenant, beacons: beacons, change)
        if case .failed(let e) = try await commit([w])[0] { throw e }
    }

    /// Checks the property and normalises the beacons before the writer is taken; `beacons` are those
    /// `change` will normalise (a class-less one needs a lookup of its object's class first). The list
    /// itself is changed at commit.
    private func referenceWrite(className: String?, id: String, property: String, tenant: String?, beacons: [String],
                                _ change: (ReferenceNormalizer) throws -> ReferenceChange) async throws -> ObjectWrite {
        let lid = id.lowercased()
        guard let st = try await locate(className: className.map(Database.normalizeClassName), id: lid, tenant: tenant) else {
            throw DatabaseError.notFound("source object '\(lid)' not found")
        }
        guard let p = st.definition.property(named: property) else {
            throw DatabaseError.unprocessable(
                "no such prop with name '\(property)' found in class '\(st.name)' in the schema. Check your schema files for which properties in this class are available")
        }
        guard case .reference(let targets)? = p.kind else {
            throw DatabaseError.unprocessable("property '\(property)' of class '\(st.name)' is not a reference property")
        }
        let legacy = try await classesOfLegacyBeacons(beacons)
        let normalize: ReferenceNormalizer = { r in
            let v = try self.normalizeBeacon(r.beacon, property: property, className: st.name, legacyClasses: legacy)
            if let b = v["beacon"]?.stringValue, let cls = (try? parseBeacon(b))?.className, !targets.contains(cls) {
                throw DatabaseError.unprocessable(
                    "invalid reference: property '\(property)' of class '\(st.name)' cannot reference class '\(cls)'")
            }
            return v
        }
        return ObjectWrite(st: st, id: lid, intent: .references(property: property, try change(normalize)))
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
}
