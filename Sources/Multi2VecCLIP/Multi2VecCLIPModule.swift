import Database
import Foundation

/// The multi2vec-clip module: vectorises the text and image (blob) fields of the classes that name it
/// as their vectorizer, and answers nearText and nearImage on them.
///
/// A whole batch of objects is vectorised in one inference call (Weaviate 1.19 made one call per
/// object); each object's vector is the weighted combination of its field vectors (`ObjectVectorPlan`).
public final class Multi2VecCLIPModule: VectorizerModule, NearSearchVectorizer {
    public static let moduleName = "multi2vec-clip"
    public let name = Multi2VecCLIPModule.moduleName
    public let inference: any CLIPInference
    public let nearArguments: Set<ModuleNearArgumentKind> = [.nearText, .nearImage]

    public init(inference: any CLIPInference) { self.inference = inference }

    // MARK: Schema

    public func classConfigDefaults(_ userConfig: JSONValue?) -> JSONValue { userConfig ?? .object([:]) }

    public func propertyConfigDefaults() -> JSONValue { .object([:]) }

    public func validate(classConfig: JSONValue, class: ClassDefinition) throws {
        _ = try CLIPClassSettings(validating: classConfig)
    }

    public func vectorizedProperties(class cls: ClassDefinition) -> Set<String> {
        (try? settings(of: cls).vectorizedFields) ?? []
    }

    public func meta() async throws -> JSONValue { try await inference.meta() }

    // MARK: Objects

    public func vectorize(objects: [VectorizeInput], class cls: ClassDefinition) async throws -> [[Float]?] {
        let settings = try settings(of: cls)
        let plans = objects.map { ObjectVectorPlan(properties: $0.properties, settings: settings) }
        let texts = plans.flatMap(\.texts), images = plans.flatMap(\.images)
        if texts.isEmpty && images.isEmpty { return plans.map { _ in nil } }
        let result = try await inference.vectorize(texts: texts, images: images)
        var t = 0, i = 0
        return plans.map { plan in
            if plan.isEmpty { return nil }
            let vectors = Array(result.textVectors[t..<(t + plan.texts.count)])
                + Array(result.imageVectors[i..<(i + plan.images.count)])
            t += plan.texts.count
            i += plan.images.count
            return ObjectVectorPlan.combine(vectors, weights: plan.weights)
        }
    }

    // MARK: Search

    public func vectorize(text: String, class cls: ClassDefinition) async throws -> [Float] {
        let result = try await inference.vectorize(texts: [text], images: [])
        guard result.textVectors.count == 1 else { throw CLIPInferenceError("empty vector") }
        return result.textVectors[0]
    }

    public func vectorize(image base64: String, class cls: ClassDefinition) async throws -> [Float] {
        let result = try await inference.vectorize(texts: [], images: [base64])
        guard result.imageVectors.count == 1 else { throw CLIPInferenceError("empty vector") }
        return result.imageVectors[0]
    }

    private func settings(of cls: ClassDefinition) throws -> CLIPClassSettings {
        try CLIPClassSettings(validating: cls.moduleConfig?[name])
    }
}
