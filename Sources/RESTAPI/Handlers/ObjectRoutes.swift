import Database

/// `/v1/objects`: create, list, validate, and get/head/put/patch/delete by class and id
/// (plus the deprecated id-only paths, which search every class).
enum ObjectRoutes {
    static func register(into table: inout RouteTable, _ ctx: RouteContext) {
        table.add("POST", "/v1/objects") { request in
            try ctx.consistencyLevel(request)
            var input = try BodyDecoding.object(try ctx.body(request))
            try ctx.authorize(request, "create", "objects")
            if input.tenant == nil { input.tenant = ctx.tenant(request) }
            let stored = try await ctx.database.createObject(input)
            return single(stored, includeVector: true)
        }

        table.add("GET", "/v1/objects") { request in
            try ctx.authorize(request, "list", "objects")
            var query = ListObjectsQuery(
                className: request.query["class"].flatMap { $0.isEmpty ? nil : $0 },
                limit: try ctx.intQuery(request, "limit"),
                offset: try ctx.intQuery(request, "offset"),
                after: request.query["after"].flatMap { $0.isEmpty ? nil : $0 },
                includeVector: ctx.includesVector(request),
                sort: commaList(request.query["sort"]),
                order: commaList(request.query["order"]),
                tenant: ctx.tenant(request)
            )
            // Weaviate lists one class in uuid order (its objects bucket is keyed by uuid), so a first
            // page without offset or sort is the cursor's first page: `after=<last id>` continues it.
            // (The Database's plain listing walks uuid order too; the empty cursor takes the same path.)
            if query.className != nil, query.after == nil, query.sort.isEmpty, (query.offset ?? 0) == 0 {
                query.after = ""
                query.offset = nil
            }
            let objects = try await ctx.database.listObjects(query)
            var w = JSONWriter(reservingCapacity: 256 * max(objects.count, 1))
            w.raw("{\"deprecations\":null,\"objects\":[")
            for (i, object) in objects.enumerated() {
                if i > 0 { w.raw(",") }
                w.object(object, includeVector: query.includeVector)
            }
            w.raw("],\"totalResults\":")
            w.int(Int64(objects.count))
            w.raw("}")
            return .json(200, writer: w)
        }

        table.add("POST", "/v1/objects/validate") { request in
            let input = try BodyDecoding.object(try ctx.body(request))
            try ctx.authorize(request, "validate", "objects")
            try await ctx.database.validateObject(input)
            return .empty(200)
        }

        // The same five operations on `/v1/objects/{className}/{id}` and the legacy `/v1/objects/{id}`.
        for legacy in [false, true] {
            let pattern = legacy ? "/v1/objects/{id}" : "/v1/objects/{className}/{id}"
            @Sendable func target(_ request: APIRequest) throws -> (className: String?, id: String, resource: String) {
                let id = try ctx.uuidParameter(request)
                if legacy { return (nil, id, "objects/\(id)") }
                let className = request.parameter("className")
                return (className, id, "objects/\(className)/\(id)")
            }

            table.add("GET", pattern) { request in
                try ctx.consistencyLevel(request)
                let t = try target(request)
                try ctx.authorize(request, "get", t.resource)
                let includeVector = ctx.includesVector(request)
                guard let object = try await ctx.database.getObject(className: t.className, id: t.id, includeVector: includeVector,
                                                                    tenant: ctx.tenant(request))
                else { return .empty(404) }
                return single(object, includeVector: includeVector)
            }

            table.add("HEAD", pattern) { request in
                try ctx.consistencyLevel(request)
                let t = try target(request)
                try ctx.authorize(request, "head", t.resource)
                return await .empty(try ctx.database.objectExists(className: t.className, id: t.id, tenant: ctx.tenant(request)) ? 204 : 404)
            }

            table.add("PUT", pattern) { request in
                try ctx.consistencyLevel(request)
                let t = try target(request)
                var input = try BodyDecoding.object(try ctx.body(request))
                try ctx.authorize(request, "update", t.resource)
                if input.className == nil { input.className = t.className }
                if input.tenant == nil { input.tenant = ctx.tenant(request) }
                let stored = try await ctx.database.replaceObject(className: t.className, id: t.id, input)
                return single(stored, includeVector: true)
            }

            table.add("PATCH", pattern) { request in
                try ctx.consistencyLevel(request)
                let t = try target(request)
                var input = try BodyDecoding.object(try ctx.body(request))
                try ctx.authorize(request, "update", t.resource)
                if input.className == nil { input.className = t.className }
                if input.tenant == nil { input.tenant = ctx.tenant(request) }
                try await ctx.database.mergeObject(className: t.className, id: t.id, input)
                return .empty(204)
            }

            table.add("DELETE", pattern) { request in
                try ctx.consistencyLevel(request)
                let t = try target(request)
                try ctx.authorize(request, "delete", t.resource)
                try await ctx.database.deleteObject(className: t.className, id: t.id, tenant: ctx.tenant(request))
                return .empty(204)
            }
        }
    }

    static func single(_ object: WeaviateObject, includeVector: Bool) -> APIResponse {
        var w = JSONWriter(reservingCapacity: 512)
        w.object(object, includeVector: includeVector)
        return .json(200, writer: w)
    }

    static func commaList(_ raw: String?) -> [String] {
        guard let raw, !raw.isEmpty else { return [] }
        return raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

import Foundation
