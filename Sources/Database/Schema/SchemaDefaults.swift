import Foundation
import VectorIndex

/// Name rules, defaults and validation of classes and properties (reference 5.2).
extension Database {
    static let classNameRegex = try! NSRegularExpression(pattern: "^[A-Z][_0-9A-Za-z]*$")
    static let propertyNameRegex = try! NSRegularExpression(pattern: "^[_A-Za-z][_0-9A-Za-z]*$")
    static let reservedPropertyNames: Set<String> = ["_additional", "_id", "id"]
    static let textTokenizations: Set<String> = ["word", "lowercase", "whitespace", "field"]

    static func matches(_ re: NSRegularExpression, _ s: String) -> Bool {
        re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// Weaviate upper-cases the first letter of a class name.
    static func normalizeClassName(_ name: String) -> String {
        guard let f = name.first else { return name }
        return f.uppercased() + name.dropFirst()
    }

    /// Weaviate lower-cases the first letter of a property name.
    static func normalizePropertyName(_ name: String) -> String {
        guard let f = name.first else { return name }
        return f.lowercased() + name.dropFirst()
    }

    static func validateClassName(_ name: String) throws {
        if name.count > 255 || !matches(classNameRegex, name) {
            throw DatabaseError.unprocessable("'\(name)' is not a valid class name")
        }
    }

    /// Weaviate's cap (entities/schema/validation.go, propertyNameMaxLength): class names are capped at
    /// 255 because they name directories; property names at 231, leaving room for the index suffixes
    /// appended to them.
    static let maxPropertyNameLength = 231

    static func validatePropertyName(_ name: String) throws {
        if reservedPropertyNames.contains(name) {
            throw DatabaseError.unprocessable("'\(name)' is a reserved property name")
        }
        if name.utf8.count > maxPropertyNameLength {
            throw DatabaseError.unprocessable(
                "'\(name)' is not a valid property name. Name should not be longer than \(maxPropertyNameLength) characters")
        }
        if !matches(propertyNameRegex, name) {
            throw DatabaseError.unprocessable(
                "'\(name)' is not a valid property name. Property names in Weaviate are restricted to valid GraphQL names, which must be “/[_A-Za-z][_0-9A-Za-z]*/”.")
        }
    }

    /// Applies property defaults and validates it. `className` is the owning class (self-references allowed).
    func normalizeProperty(_ input: PropertyDefinition, className: String, vectorizer: String) throws -> PropertyDefinition {
        var p = input
        p.name = Database.normalizePropertyName(p.name)
        try Database.validatePropertyName(p.name)
        if p.dataType.isEmpty {
            throw DatabaseError.unprocessable("property '\(p.name)': invalid dataType: dataType cannot be empty")
        }
        guard var kind = PropertyDataType(p.dataType) else {
            throw DatabaseError.unprocessable(
                "property '\(p.name)': invalid dataType: \(p.dataType.map { "\"\($0)\"" }.joined(separator: ", ")) is not a valid data type")
        }
        let wasString = p.dataType == ["string"] || p.dataType == ["string[]"]
        if case .reference(let targets) = kind {
            for t in targets where t != className && getClass(t) == nil {
                throw DatabaseError.unprocessable("Data type of property '\(p.name)' is invalid; SingleRef class name '\(t)' does not exist")
            }
        } else {
            p.dataType = [kind.name]
        }
        // Deprecated indexInverted maps onto the two new flags and cannot be combined with them.
        if let inv = p.indexInverted {
            if p.indexFilterable != nil || p.indexSearchable != nil {
                throw DatabaseError.unprocessable(
                    "`indexInverted` is deprecated and can not be set together with `indexFilterable` or `indexSearchable`.")
            }
            p.indexFilterable = inv
            if kind == .text || kind == .textArray { p.indexSearchable = inv }
            p.indexInverted = nil
        }
        let isText = kind == .text || kind == .textArray
        if kind.isObject, p.indexFilterable == true {
            throw DatabaseError.unprocessable("property '\(p.name)': Iris cannot filter by object properties yet; set indexFilterable false or leave it empty")
        }
        if p.indexFilterable == nil { p.indexFilterable = !kind.isObject }
        if p.indexSearchable == nil { p.indexSearchable = isText }
        if p.indexSearchable == true && !isText {
            throw DatabaseError.unprocessable(
                "`indexSearchable` is allowed only for text/text[] data types. For other data types set false or leave empty")
        }
        if isText {
            if let t = p.tokenization {
                let tok = wasString && t == "word" ? "whitespace" : t
                guard Database.textTokenizations.contains(tok) else {
                    throw DatabaseError.unprocessable("Tokenization '\(t)' is not allowed for data type '\(kind.name)'")
                }
                p.tokenization = tok
            } else {
                p.tokenization = wasString ? "whitespace" : "word"
            }
        } else if let t = p.tokenization, !t.isEmpty {
            throw DatabaseError.unprocessable("Tokenization '\(t)' is not allowed for data type '\(kind.name)'")
        } else {
            p.tokenization = nil
        }
        kind = PropertyDataType(p.dataType) ?? kind
        if kind.isObject {
            guard let nested = p.nestedProperties, !nested.isEmpty else {
                throw DatabaseError.unprocessable(
                    "property '\(p.name)': At least one nested property is required for data type object/object[]")
            }
            var seen = Set<String>()
            p.nestedProperties = try nested.map { n in
                var field = n
                if field.indexFilterable == nil && !(field.kind?.isObject ?? false) { field.indexFilterable = false }
                let np = try normalizeProperty(field, className: className, vectorizer: "none")
                if np.kind?.isReference == true {
                    throw DatabaseError.unprocessable("property '\(p.name)': nested property '\(np.name)' cannot be a cross-reference")
                }
                guard seen.insert(np.name.lowercased()).inserted else {
                    throw DatabaseError.unprocessable("property '\(p.name)': nested property '\(np.name)' is given more than once")
                }
                return np
            }
        } else if p.nestedProperties != nil {
            throw DatabaseError.unprocessable("property '\(p.name)': nestedProperties are only allowed for data types object and object[]")
        }
        if vectorizer != "none", let module = modules.module(named: vectorizer) {
            var mc = p.moduleConfig?.objectValue ?? [:]
            mc[vectorizer] = JSONMerge.deep(module.propertyConfigDefaults(), mc[vectorizer] ?? .object([:]))
            p.moduleConfig = .object(mc)
        }
        return p
    }

    static let invertedDefaults: JSONValue = [
        "cleanupIntervalSeconds": 60, "bm25": ["k1": 1.2, "b": 0.75], "stopwords": ["preset": "en"],
    ]

    static let shardingDefaults: JSONValue = [
        "virtualPerPhysical": 128, "desiredCount": 1, "actualCount": 1, "desiredVirtualCount": 128,
        "actualVirtualCount": 128, "key": "_id", "strategy": "hash", "function": "murmur3",
    ]

    /// Validates a new class and returns it with every default applied.
    func normalizeNewClass(_ input: ClassDefinition) throws -> ClassDefinition {
        var c = input
        c.className = Database.normalizeClassName(c.className)
        try Database.validateClassName(c.className)
        if getClass(c.className) != nil {
            throw DatabaseError.unprocessable("class name \"\(c.className)\" already exists")
        }
        let vectorizer = c.vectorizer ?? config.defaultVectorizer
        c.vectorizer = vectorizer
        try normalizeVectorIndex(&c)
        c.multiTenancyConfig = try Database.normalizeMultiTenancy(c.multiTenancyConfig)
        if let inv = c.invertedIndexConfig, !inv.isNull, inv.objectValue == nil {
            throw DatabaseError.unprocessable("invertedIndexConfig must be an object")
        }
        c.invertedIndexConfig = JSONMerge.deep(Database.invertedDefaults, c.invertedIndexConfig ?? .object([:]))
        var sharding = Database.shardingDefaults.objectValue!
        for (k, v) in c.shardingConfig?.objectValue ?? [:] where !v.isNull { sharding[k] = v }
        sharding["actualCount"] = 1
        sharding["actualVirtualCount"] = sharding["desiredVirtualCount"] ?? 128
        c.shardingConfig = .object(sharding)
        let factor = c.replicationConfig?["factor"]?.intValue ?? 1
        if factor > 1 {
            throw DatabaseError.unprocessable("could not set replication factor to \(factor): not enough nodes: 1 node is available")
        }
        c.replicationConfig = ["factor": .int(max(1, factor))]
        var seen = Set<String>()
        var props: [PropertyDefinition] = []
        for p in c.properties ?? [] {
            let np = try normalizeProperty(p, className: c.className, vectorizer: vectorizer)
            if !seen.insert(np.name.lowercased()).inserted {
                throw DatabaseError.unprocessable(
                    "class \"\(c.className)\": conflict for property \"\(np.name)\": already in use or provided multiple times")
            }
            props.append(np)
        }
        c.properties = props
        try applyModuleConfig(&c)
        if let more = c.moreVectors, !more.isEmpty {
            var names = Set<String>()
            var normalized: [NamedVector] = []
            for (n, name) in c.vectorNames.enumerated() {
                try Database.validateVectorName(name)
                guard names.insert(name).inserted else {
                    throw DatabaseError.unprocessable("vectorConfig: named vector \"\(name)\" is given more than once")
                }
                guard n > 0 else { continue }
                var lane = c.lane(n)
                try normalizeVectorIndex(&lane)
                try applyModuleConfig(&lane)
                normalized.append(NamedVector(lane))
            }
            c.moreVectors = normalized
        }
        return c
    }

    /// Checks a class's (or one named vector's, through `lane(_:)`) vectorizer and index type and fills
    /// in the index settings' defaults.
    func normalizeVectorIndex(_ c: inout ClassDefinition) throws {
        let vectorizer = c.vectorizerName
        if vectorizer != "none" && modules.module(named: vectorizer) == nil {
            throw DatabaseError.unprocessable("vectorizer: no module with name \"\(vectorizer)\" present")
        }
        let indexType = c.vectorIndexType ?? "hnsw"
        if indexType != "hnsw" {
            throw DatabaseError.unprocessable("unrecognized or unsupported vectorIndexType \"\(indexType)\"")
        }
        c.vectorIndexType = indexType
        c.vectorIndexConfig = try HNSWConfigParser.withDefaults(c.vectorIndexConfig, defaultDistance: config.defaultDistance)
    }

    /// Weaviate's rule for named vector names (usecases/schema: they name index folders and GraphQL fields).
    static func validateVectorName(_ name: String) throws {
        if name.isEmpty || name.count > 230 || !matches(propertyNameRegex, name) {
            throw DatabaseError.unprocessable("vectorConfig: invalid vector name \"\(name)\". Vector names must match "
                                              + "/[_A-Za-z][_0-9A-Za-z]*/ and be at most 230 characters long")
        }
    }

    /// Fills and validates `moduleConfig[vectorizer]` through the module.
    func applyModuleConfig(_ c: inout ClassDefinition) throws {
        let vectorizer = c.vectorizerName
        guard vectorizer != "none", let module = modules.module(named: vectorizer) else { return }
        if let mc = c.moduleConfig, !mc.isNull, mc.objectValue == nil {
            throw DatabaseError.unprocessable("moduleConfig must be an object")
        }
        var mc = c.moduleConfig?.objectValue ?? [:]
        mc[vectorizer] = module.classConfigDefaults(mc[vectorizer])
        c.moduleConfig = .object(mc)
        do {
            try module.validate(classConfig: mc[vectorizer]!, class: c)
        } catch let e as ModuleConfigError {
            throw DatabaseError.unprocessable("module '\(vectorizer)': \(e.message)")
        } catch let e as DatabaseError {
            throw e
        } catch {
            throw DatabaseError.unprocessable("module '\(vectorizer)': \(error)")
        }
    }
}

extension Database {
    /// `multiTenancyConfig` with its three flags filled in (false when absent); nil stays nil.
    static func normalizeMultiTenancy(_ v: JSONValue?) throws -> JSONValue? {
        guard let v, !v.isNull else { return nil }
        guard let o = v.objectValue else { throw DatabaseError.unprocessable("multiTenancyConfig must be an object") }
        var out: [String: JSONValue] = [:]
        for key in ["enabled", "autoTenantCreation", "autoTenantActivation"] {
            switch o[key] {
            case nil, .null?: out[key] = .bool(false)
            case .bool(let b)?: out[key] = .bool(b)
            default: throw DatabaseError.unprocessable("multiTenancyConfig.\(key) must be a boolean")
            }
        }
        return .object(out)
    }
}
