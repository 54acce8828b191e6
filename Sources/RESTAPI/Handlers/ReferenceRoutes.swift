import Database

/// `/v1/objects/{className}/{id}/references/{propertyName}` (and the legacy id-only form):
/// add (POST, 200), replace all (PUT, 200), delete one (DELETE, 204); no response bodies.
enum ReferenceRoutes {
    static func register(into table: inout RouteTable, _ ctx: RouteContext) {
        for legacy in [false, true] {
            let pattern = legacy
                ? "/v1/objects/{id}/references/{propertyName}"
                : "/v1/objects/{className}/{id}/references/{propertyName}"
            @Sendable func target(_ request: APIRequest) throws -> (className: String?, id: String, property: String, resource: String) {
                let id = try ctx.uuidParameter(request)
                let property = request.parameter("propertyName")
                if legacy { return (nil, id, property, "objects/\(id)") }
                let className = request.parameter("className")
                return (className, id, property, "objects/\(className)/\(id)")
            }

            table.add("POST", pattern) { request in
                try ctx.consistencyLevel(request)
                let t = try target(request)
                let reference = try BodyDecoding.reference(try ctx.body(request))
                try ctx.authorize(request, "update", t.resource)
                try await ctx.database.addReference(className: t.className, id: t.id, property: t.property, reference,
                                                    tenant: ctx.tenant(request))
                return .empty(200)
            }

            table.add("PUT", pattern) { request in
                try ctx.consistencyLevel(request)
                let t = try target(request)
                let references = try BodyDecoding.references(try ctx.body(request))
                try ctx.authorize(request, "update", t.resource)
                try await ctx.database.replaceReferences(className: t.className, id: t.id, property: t.property, references,
                                                       tenant: ctx.tenant(request))
                return .empty(200)
            }

            table.add("DELETE", pattern) { request in
                try ctx.consistencyLevel(request)
                let t = try target(request)
                let reference = try BodyDecoding.reference(try ctx.body(request))
                try ctx.authorize(request, "update", t.resource)
                try await ctx.database.deleteReference(className: t.className, id: t.id, property: t.property, reference,
                                                    tenant: ctx.tenant(request))
                return .empty(204)
            }
        }
    }
}
