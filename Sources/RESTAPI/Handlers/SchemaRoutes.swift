import Database

/// `/v1/schema`: classes, properties and shards.
enum SchemaRoutes {
    static func register(into table: inout RouteTable, _ ctx: RouteContext) {
        table.add("GET", "/v1/schema") { request in
            try ctx.authorize(request, "list", "schema/*")
            return .json(200, ["classes": .array(ctx.database.schema().map(\.json))])
        }

        table.add("POST", "/v1/schema") { request in
            let definition = try BodyDecoding.classDefinition(try ctx.body(request))
            try ctx.authorize(request, "create", "schema/objects")
            return .json(200, try await ctx.database.createClass(definition).json)
        }

        table.add("GET", "/v1/schema/{className}") { request in
            try ctx.authorize(request, "list", "schema/*")
            guard let definition = ctx.database.getClass(request.parameter("className")) else { return .empty(404) }
            return .json(200, definition.json)
        }

        table.add("PUT", "/v1/schema/{className}") { request in
            let definition = try BodyDecoding.classDefinition(try ctx.body(request))
            try ctx.authorize(request, "update", "schema/objects")
            return .json(200, try await ctx.database.updateClass(request.parameter("className"), definition).json)
        }

        table.add("DELETE", "/v1/schema/{className}") { request in
            try ctx.authorize(request, "delete", "schema/objects")
            do {
                try await ctx.database.deleteClass(request.parameter("className"))
            } catch let e as DatabaseError where e.kind == .badRequest {
                // Weaviate ≥ 1.25 answers 200 for a class that does not exist (1.19: 400), and
                // weaviate-client 4.x deletes before every create relying on it.
            }
            return .empty(200)
        }

        table.add("POST", "/v1/schema/{className}/properties") { request in
            let property = try BodyDecoding.property(try ctx.body(request))
            try ctx.authorize(request, "update", "schema/objects")
            return .json(200, try await ctx.database.addProperty(toClass: request.parameter("className"), property).json)
        }

        registerTenants(into: &table, ctx)

        table.add("GET", "/v1/schema/{className}/shards") { request in
            let className = request.parameter("className")
            try ctx.authorize(request, "list", "schema/\(className)/shards")
            let shards = try ctx.database.shards(ofClass: className)
            return .json(200, .array(shards.map { ["name": .string($0.name), "status": .string($0.status)] }))
        }

        table.add("PUT", "/v1/schema/{className}/shards/{shardName}") { request in
            let className = request.parameter("className")
            let shardName = request.parameter("shardName")
            let fields = try GoFields(try ctx.body(request), model: "ShardStatus", goType: "models.ShardStatus")
            let status = try fields.string("status") ?? ""
            try ctx.authorize(request, "update", "schema/\(className)/shards/\(shardName)")
            let updated = try await ctx.database.updateShardStatus(ofClass: className, shard: shardName, status: status)
            return .json(200, ["status": .string(updated.status)])
        }
    }

    /// `/v1/schema/{className}/tenants`: list, add, update (activity status) and delete tenants, and one
    /// tenant by name (GET, HEAD: 200 or 404). Items are `{"name", "activityStatus"}`.
    static func registerTenants(into table: inout RouteTable, _ ctx: RouteContext) {
        @Sendable func json(_ t: TenantInfo) -> JSONValue {
            ["name": .string(t.name), "activityStatus": .string(t.activityStatus)]
        }
        @Sendable func tenantList(_ body: JSONValue) throws -> [TenantInfo] {
            guard case .array(let items) = body else {
                throw APIError.unparsableBody("json: cannot unmarshal \(GoFields.kind(body)) into Go value of type []*models.Tenant")
            }
            return try items.map {
                let f = try GoFields($0, model: "Tenant", goType: "models.Tenant")
                return TenantInfo(name: try f.string("name") ?? "", activityStatus: try f.string("activityStatus") ?? "")
            }
        }

        table.add("GET", "/v1/schema/{className}/tenants") { request in
            let className = request.parameter("className")
            try ctx.authorize(request, "get", "schema/\(className)/tenants")
            return .json(200, .array(try ctx.database.tenants(ofClass: className).map(json)))
        }

        table.add("POST", "/v1/schema/{className}/tenants") { request in
            let className = request.parameter("className")
            let tenants = try tenantList(try ctx.body(request))
            try ctx.authorize(request, "update", "schema/\(className)/tenants")
            return .json(200, .array(try await ctx.database.addTenants(toClass: className, tenants).map(json)))
        }

        table.add("PUT", "/v1/schema/{className}/tenants") { request in
            let className = request.parameter("className")
            let tenants = try tenantList(try ctx.body(request))
            try ctx.authorize(request, "update", "schema/\(className)/tenants")
            return .json(200, .array(try await ctx.database.updateTenants(ofClass: className, tenants).map(json)))
        }

        table.add("DELETE", "/v1/schema/{className}/tenants") { request in
            let className = request.parameter("className")
            let body = try ctx.body(request)
            guard case .array(let items) = body else {
                throw APIError.unparsableBody("json: cannot unmarshal \(GoFields.kind(body)) into Go value of type []string")
            }
            let names = try items.map { item -> String in
                guard case .string(let s) = item else {
                    throw APIError.unparsableBody("json: cannot unmarshal \(GoFields.kind(item)) into Go value of type string")
                }
                return s
            }
            try ctx.authorize(request, "delete", "schema/\(className)/tenants")
            try await ctx.database.deleteTenants(ofClass: className, names: names)
            return .empty(200)
        }

        for method in ["GET", "HEAD"] {
            table.add(method, "/v1/schema/{className}/tenants/{tenantName}") { request in
                let className = request.parameter("className")
                try ctx.authorize(request, "get", "schema/\(className)/tenants")
                guard let t = try ctx.database.tenant(ofClass: className, named: request.parameter("tenantName")) else {
                    return .empty(404)
                }
                return method == "HEAD" ? .empty(200) : .json(200, json(t))
            }
        }
    }
}
