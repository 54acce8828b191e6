// The `weaviate.v1.Weaviate` service: each RPC decodes its request into the Database's request types,
// calls the Database, and encodes the answer. Authentication and the admin list run before it, in
// AuthInterceptor.
import Database
import Foundation
import GRPCCore

struct WeaviateService: Weaviate_V1_Weaviate.SimpleServiceProtocol {
    let database: Database

    /// Weaviate 1.27's gRPC default page when QUERY_DEFAULTS_LIMIT is unset.
    static let unsetDefaultLimit = 10

    private func collection(_ name: String) throws(GRPCAPIError) -> ClassDefinition {
        guard let cls = database.getClass(name) else {
            throw .notFound("class '\(name)' not found")
        }
        return cls
    }

    private func elapsed(since start: ContinuousClock.Instant) -> Float {
        let d = ContinuousClock.now - start
        return Float(d.components.seconds) + Float(d.components.attoseconds) / 1e18
    }

    func search(request: Weaviate_V1_SearchRequest, context: ServerContext) async throws -> Weaviate_V1_SearchReply {
        try await rpc {
            let start = ContinuousClock.now
            let cls = try collection(request.collection)
            let configured = database.config.queryDefaultsLimit
            let plan = try SearchDecoding(cls: cls, classNamed: { database.getClass($0) },
                                          defaultLimit: configured > 0 ? configured : Self.unsetDefaultLimit).decode(request)
            let hits = try await database.getQuery(plan.get)
            let encoding = ResultEncoding(database: database)
            var reply = Weaviate_V1_SearchReply()
            if plan.get.groupBy != nil {
                for hit in hits { reply.groupByResults.append(try await encoding.groupResult(hit, cls, plan.returns)) }
            } else {
                for hit in hits { reply.results.append(try await encoding.result(hit, cls, plan.returns)) }
            }
            reply.took = elapsed(since: start)
            return reply
        }
    }

    func batchObjects(request: Weaviate_V1_BatchObjectsRequest, context: ServerContext) async throws -> Weaviate_V1_BatchObjectsReply {
        try await rpc {
            let start = ContinuousClock.now
            var reply = Weaviate_V1_BatchObjectsReply()
            // Objects that cannot even be decoded fail alone, with their index; the rest go to the Database.
            var inputs: [ObjectInput] = []
            var positions: [Int] = []
            for (i, object) in request.objects.enumerated() {
                do {
                    inputs.append(try BatchObjectDecoding.input(object, cls: database.getClass(object.collection)))
                    positions.append(i)
                } catch let error as GRPCAPIError {
                    reply.errors.append(Self.batchError(i, error.message))
                }
            }
            if !inputs.isEmpty {
                let results = try await database.batchObjects(inputs)
                for (k, result) in results.enumerated() {
                    if let message = result.error { reply.errors.append(Self.batchError(positions[k], message)) }
                }
            }
            reply.errors.sort { $0.index < $1.index }
            reply.took = elapsed(since: start)
            return reply
        }
    }

    private static func batchError(_ index: Int, _ message: String) -> Weaviate_V1_BatchObjectsReply.BatchError {
        var e = Weaviate_V1_BatchObjectsReply.BatchError()
        e.index = Int32(index)
        e.error = message
        return e
    }

    func batchReferences(request: Weaviate_V1_BatchReferencesRequest, context: ServerContext) async throws -> Weaviate_V1_BatchReferencesReply {
        try await rpc {
            let start = ContinuousClock.now
            var inputs: [BatchReferenceInput] = []
            for r in request.references {
                let to = r.toCollection.isEmpty ? "weaviate://localhost/\(r.toUuid)" : "weaviate://localhost/\(r.toCollection)/\(r.toUuid)"
                inputs.append(BatchReferenceInput(from: "weaviate://localhost/\(r.fromCollection)/\(r.fromUuid)/\(r.name)", to: to,
                                                  tenant: r.tenant.isEmpty ? nil : r.tenant))
            }
            var reply = Weaviate_V1_BatchReferencesReply()
            for (i, result) in try await database.batchReferences(inputs).enumerated() {
                guard let message = result.error else { continue }
                var e = Weaviate_V1_BatchReferencesReply.BatchError()
                e.index = Int32(i)
                e.error = message
                reply.errors.append(e)
            }
            reply.took = elapsed(since: start)
            return reply
        }
    }

    func batchDelete(request: Weaviate_V1_BatchDeleteRequest, context: ServerContext) async throws -> Weaviate_V1_BatchDeleteReply {
        try await rpc {
            let start = ContinuousClock.now
            let cls = try collection(request.collection)
            guard request.hasFilters else { throw GRPCAPIError.invalidArgument("batch delete: filters are required") }
            let filter = try FilterDecoding(cls: cls, classNamed: { database.getClass($0) }).decode(request.filters)
            let result = try await database.batchDelete(className: cls.className, filter: filter, dryRun: request.dryRun,
                                                        verbose: request.verbose,
                                                        tenant: request.hasTenant && !request.tenant.isEmpty ? request.tenant : nil)
            var reply = Weaviate_V1_BatchDeleteReply()
            reply.matches = Int64(result.matches)
            reply.successful = Int64(result.successful)
            reply.failed = Int64(result.failed)
            if request.verbose {
                reply.objects = result.objects.map { item in
                    var o = Weaviate_V1_BatchDeleteObject()
                    o.uuid = WireFormats.uuidBytes(item.id) ?? Data()
                    o.successful = item.status != "FAILED"
                    if let error = item.error { o.error = error }
                    return o
                }
            }
            reply.took = elapsed(since: start)
            return reply
        }
    }

    /// The tenants of a multi-tenant class (all, or those of `names` that exist), HOT or COLD as stored.
    func tenantsGet(request: Weaviate_V1_TenantsGetRequest, context: ServerContext) async throws -> Weaviate_V1_TenantsGetReply {
        try await rpc {
            let start = ContinuousClock.now
            let cls = try collection(request.collection)
            var tenants = try database.tenants(ofClass: cls.className)
            if case .names(let names)? = request.params {
                let wanted = Set(names.values)
                tenants = tenants.filter { wanted.contains($0.name) }
            }
            var reply = Weaviate_V1_TenantsGetReply()
            reply.tenants = tenants.map { t in
                var out = Weaviate_V1_Tenant()
                out.name = t.name
                out.activityStatus = t.activityStatus == "HOT" ? .hot : .cold
                return out
            }
            reply.took = elapsed(since: start)
            return reply
        }
    }

    func aggregate(request: Weaviate_V1_AggregateRequest, context: ServerContext) async throws -> Weaviate_V1_AggregateReply {
        // The client sends aggregations over GraphQL below server version 1.29; Iris reports 1.27.
        throw RPCError(code: .unimplemented, message: "Aggregate over gRPC is not supported by Iris yet: use GraphQL Aggregate")
    }

    func batchStream(request: RPCAsyncSequence<Weaviate_V1_BatchStreamRequest, any Error>,
                     response: RPCWriter<Weaviate_V1_BatchStreamReply>, context: ServerContext) async throws {
        // Server-side batching is a 1.36 feature; the client does not use it against 1.27.
        throw RPCError(code: .unimplemented, message: "BatchStream is not supported by Iris: use BatchObjects")
    }
}
