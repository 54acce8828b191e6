// Turns the near* arguments of a query into its search vector (reference 2.4, 2.5, 3.1, 3.2),
// with Weaviate's validation messages.

/// Weaviate wraps errors raised while computing the search vector in this prefix.
let vectorizePrefix = "explorer: get class: vectorize params: "

extension NearParameters {
    /// The certainty threshold given (certainty, or a distance converted `2·(1 − c)` the other way).
    var certainty: Double? { nearVector?.certainty ?? nearObject?.certainty ?? module.first?.certainty }
    var distance: Double? { nearVector?.distance ?? nearObject?.distance ?? module.first?.distance }

    /// The maximum distance a hit may have, from `distance` or `certainty` (nil: no threshold).
    var maxDistance: Double? {
        if let d = distance { return d }
        if let c = certainty { return 2 * (1 - c) }
        return nil
    }

    /// Extraction-time checks (before any vector is computed; not prefixed in Weaviate).
    func validateExtraction() throws {
        if let v = nearVector, v.certainty != nil, v.distance != nil {
            throw DatabaseError.unprocessable("cannot provide distance and certainty")
        }
        if let o = nearObject, o.certainty != nil, o.distance != nil {
            throw DatabaseError.unprocessable("cannot provide distance and certainty")
        }
    }

    /// Only one near* argument per query (`validateNearParams`); returns the message if violated.
    func conflict() -> String? {
        let hasModule = module.count == 1
        if hasModule && nearVector != nil && nearObject != nil {
            return "found 'nearText' and 'nearVector' and 'nearObject' parameters which are conflicting, choose one instead"
        }
        if hasModule && nearVector != nil {
            return "found both 'nearText' and 'nearVector' parameters which are conflicting, choose one instead"
        }
        if hasModule && nearObject != nil {
            return "found both 'nearText' and 'nearObject' parameters which are conflicting, choose one instead"
        }
        if nearVector != nil && nearObject != nil {
            return "found both 'nearVector' and 'nearObject' parameters which are conflicting, choose one instead"
        }
        if module.count > 1 {
            let names = module.map { "'\($0.argumentName)'" }.joined(separator: ", ")
            return "found more then one module param: \(names) which are conflicting choose one instead"
        }
        // Weaviate's modules use the nearText wording for nearImage too.
        if module.contains(where: { $0.certainty != nil && $0.distance != nil }) {
            return "nearText cannot provide both distance and certainty"
        }
        return nil
    }
}

extension Database {
    /// The search vector of `near` for a query on `cls` (nil `cls`: Explore, across classes).
    /// Errors carry Weaviate's `explorer: get class: vectorize params: …` prefix.
    /// `lane`: the named vector searched (nearObject reads the object's vector of that lane; nearText and
    /// nearImage use that named vector's module).
    func searchVector(for near: NearParameters, in cls: ClassDefinition?, lane: Int = 0, tenant: String? = nil) async throws -> [Float] {
        do {
            if let message = near.conflict() { throw DatabaseError.unprocessable(message) }
            if let v = near.nearVector {
                try ValueFormats.checkFinite(v.vector, "nearVector")
                return v.vector
            }
            if let o = near.nearObject {
                do {
                    return try await objectVector(id: o.id, beacon: o.beacon, className: cls?.className, lane: lane, tenant: tenant)
                } catch let e as DatabaseError {
                    throw DatabaseError(e.kind, "nearObject params: " + e.message)
                }
            }
            if let m = near.module.first {
                return try await prefixingModuleErrors("vectorize params: ") { try await moduleVector(m, in: cls?.lane(lane)) }
            }
            throw DatabaseError.unprocessable("no near parameters given")
        } catch let e as DatabaseError {
            throw DatabaseError(e.kind, vectorizePrefix + e.message)
        }
    }

    /// The stored vector of the object named by `id` or `beacon` (a beacon's class wins over `className`).
    /// With `tenant`, an object of a multi-tenant class is looked up in that tenant.
    func objectVector(id: String?, beacon: String?, className: String?, lane: Int = 0, tenant: String? = nil) async throws -> [Float] {
        var lookupClass = className
        let uuid: String
        if let id, !id.isEmpty {
            uuid = id
        } else if let beacon, !beacon.isEmpty {
            let parsed = try parseBeacon(beacon)
            uuid = parsed.id
            if let c = parsed.className { lookupClass = c }
        } else {
            throw DatabaseError.unprocessable("empty id and beacon")
        }
        let multiTenant = lookupClass.flatMap(getClass)?.multiTenancyEnabled == true
        guard let found = try await vector(className: lookupClass, id: uuid, lane: lane, tenant: multiTenant ? tenant : nil) else {
            throw DatabaseError.unprocessable("vector not found")
        }
        return found.vector
    }

    /// nearText / nearImage through the module that vectorises `cls` (or, in Explore, the module that offers it).
    func moduleVector(_ parameter: ModuleNearParameter, in cls: ClassDefinition?) async throws -> [Float] {
        let kind: ModuleNearArgumentKind = parameter.argumentName == "nearText" ? .nearText : .nearImage
        let (module, target) = try moduleAndClass(for: kind, cls: cls)
        switch parameter {
        case .image(let p):
            guard !p.image.isEmpty else { throw DatabaseError.unprocessable("'nearImage.image' needs to be defined") }
            return try await module.vectorize(image: p.image, class: target)
        case .text(let p):
            return try await nearTextVector(p, className: cls?.className) { text in
                try await module.vectorize(text: text, class: target)
            }
        }
    }

    private func moduleAndClass(for kind: ModuleNearArgumentKind, cls: ClassDefinition?) throws
        -> (any NearSearchVectorizer, ClassDefinition)
    {
        if let cls {
            guard let module = modules.nearSearchVectorizer(for: cls), module.nearArguments.contains(kind) else {
                throw DatabaseError.unprocessable(
                    "could not vectorize input for collection \(cls.className) with search-type \(kind.rawValue)")
            }
            return (module, cls)
        }
        // Explore: the module offering the argument, with any class it vectorises as context.
        for module in modules.nearSearchVectorizers where module.nearArguments.contains(kind) {
            if let target = schema().first(where: { $0.vectorizerName == module.name }) { return (module, target) }
        }
        throw DatabaseError.unprocessable("no module provides \(kind.rawValue) for any class")
    }

    /// nearText: one vector for the joined concepts, then moveTo and moveAwayFrom (reference 2.5).
    /// `vectorize` is the class's text vectorizer; objects are looked up in `className` (nil: every class).
    public func nearTextVector(_ p: NearTextParameter, className: String?,
                               vectorize: (String) async throws -> [Float]) async throws -> [Float] {
        for (name, movement) in [("moveTo", p.moveTo), ("moveAwayFrom", p.moveAwayFrom)] {
            if let m = movement, m.force > 0, m.concepts == nil, m.objects == nil {
                throw DatabaseError.unprocessable(
                    "'nearText.\(name)' parameter needs to have defined either 'concepts' or 'objects' fields")
            }
        }
        var vector = try await vectorize(joinConcepts(p.concepts))
        if let m = p.moveTo, m.force > 0, let target = try await movementTarget(m, className: className, vectorize: vectorize) {
            vector = try moveTowards(vector, target: target, force: m.force)
        }
        if let m = p.moveAwayFrom, m.force > 0, let target = try await movementTarget(m, className: className, vectorize: vectorize) {
            vector = try moveAwayFrom(vector, target: target, force: m.force)
        }
        return vector
    }

    /// The plain mean of the movement's concept vector (if any concepts) and its objects' vectors.
    private func movementTarget(_ m: Movement, className: String?,
                                vectorize: (String) async throws -> [Float]) async throws -> [Float]? {
        var vectors: [[Float]] = []
        if let concepts = m.concepts, !concepts.isEmpty {
            vectors.append(try await vectorize(joinConcepts(concepts)))
        }
        for object in m.objects ?? [] {
            var uuid = object.id ?? ""
            if uuid.isEmpty, let beacon = object.beacon, !beacon.isEmpty { uuid = try parseBeacon(beacon).id }
            guard !uuid.isEmpty else { throw DatabaseError.unprocessable("empty id and beacon") }
            guard let found = try await vector(className: className, id: uuid) else {
                throw DatabaseError.unprocessable("vector not found")
            }
            vectors.append(found.vector)
        }
        return try meanVector(vectors)
    }
}

/// Runs a module's vectorisation, turning its errors into DatabaseErrors whose message starts with
/// `prefix` (a DatabaseError keeps its kind; anything else is internal).
func prefixingModuleErrors<T>(_ prefix: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as DatabaseError {
        throw DatabaseError(e.kind, prefix + e.message)
    } catch let e as ModuleConfigError {
        throw DatabaseError(.internal, prefix + e.message)
    } catch {
        throw DatabaseError(.internal, prefix + "\(error)")
    }
}
