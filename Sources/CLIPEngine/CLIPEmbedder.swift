import Foundation
import ImageProcessing
import Tokenizers

/// Texts and images → vectors, as the multi2vec-clip inference container computes them on its
/// sentence-transformers path: texts through the text model (the CLIP model itself, or a separate
/// model such as clip-ViT-B-32-multilingual-v1), images through the CLIP model. No normalisation
/// unless the model folder has a Normalize module.
///
///     let embedder = try CLIPEmbedder(clipModel: clipDir, textModel: textDirOrNil)
///     let textVectors = try embedder.embed(texts: ["a photo of a cat"])
///     let imageVectors = try embedder.embed(images: [jpegData])
///
/// Thread-safe: concurrent calls are coalesced into shared batches. Models are loaded once per process
/// (`EmbeddingModel.shared`), so several embedders on the same folders share the weights.
public final class CLIPEmbedder: @unchecked Sendable {
    /// The CLIP model (images, and texts when there is no separate text model).
    public let clipModel: EmbeddingModel
    /// The model that embeds texts (== clipModel when no text model was given).
    public let textModel: EmbeddingModel
    public let tokenizer: any TextTokenizer
    public let preprocessor: CLIPImagePreprocessor
    public let settings: ComputeSettings
    private let decoder: ImageDecoder
    private var textQueue: RequestCoalescer<String, [Float]>!
    private var imageQueue: RequestCoalescer<Data, [Float]>!

    /// - Parameters:
    ///   - clipModel: a sentence-transformers CLIP folder (modules.json + 0_CLIPModel/) or a plain HF CLIP folder.
    ///   - textModel: an optional separate text model folder (Transformer + Pooling + Dense…).
    ///   - settings: thread count and how batches use the cores.
    ///   - maxImagePixels: decompression-bomb limit passed to the image decoder.
    ///   - precision: fp32, or int8 Linear layers (faster, slightly different vectors).
    public init(clipModel clipURL: URL, textModel textURL: URL? = nil, settings: ComputeSettings = ComputeSettings(),
                maxImagePixels: Int = ImageDecoder.defaultMaxPixels, precision: Precision = .fp32) throws {
        self.settings = settings
        clipModel = try EmbeddingModel.shared(folder: clipURL, precision: precision)
        guard clipModel.supportsImages else { throw CLIPEngineError("\(clipURL.path) is not a CLIP model (no vision tower)") }
        textModel = try textURL.map { try EmbeddingModel.shared(folder: $0, precision: precision) } ?? clipModel
        guard textModel.supportsText else { throw CLIPEngineError("\(textModel.folder.path) has no text model") }
        if textModel !== clipModel, textModel.dimension != clipModel.dimension {
            throw CLIPEngineError("the text model gives \(textModel.dimension)-d vectors but the CLIP model \(clipModel.dimension)-d")
        }
        do {
            tokenizer = try TokenizerLoader.load(directory: textModel.folder, maxLength: textModel.maxTextTokens)
        } catch {
            throw CLIPEngineError("cannot load the tokenizer of \(textModel.folder.path): \(error)")
        }
        let ppURL = clipModel.modelFolder.appendingPathComponent("preprocessor_config.json")
        if FileManager.default.fileExists(atPath: ppURL.path) {
            do { preprocessor = try CLIPImagePreprocessor(configFile: ppURL) } catch {
                throw CLIPEngineError("cannot read \(ppURL.path): \(error)")
            }
        } else {
            // No processor config: CLIP's standard one at the model's image size.
            let size = clipModel.imageSize ?? 224
            preprocessor = CLIPImagePreprocessor(config: {
                var c = CLIPPreprocessorConfig()
                c.size = .shortestEdge(size)
                c.cropWidth = size
                c.cropHeight = size
                return c
            }())
        }
        let out = preprocessor.outputSize(width: 1000, height: 1000)
        if let s = clipModel.imageSize, out.width != s || out.height != s {
            throw CLIPEngineError("preprocessor_config.json makes \(out.width)×\(out.height) images but the model expects \(s)×\(s)")
        }
        decoder = ImageDecoder(maxPixels: maxImagePixels)
        textQueue = RequestCoalescer { [unowned self] texts in try self.computeTexts(texts) }
        imageQueue = RequestCoalescer { [unowned self] images in try self.computeImages(images) }
    }

    /// Output vector length.
    public var dimension: Int { clipModel.dimension }

    /// How the models' Linear layers compute.
    public var precision: Precision { clipModel.precision }

    /// One vector per text, in order.
    public func embed(texts: [String]) throws -> [[Float]] { try textQueue.submit(texts) }

    /// One vector per encoded image (JPEG, PNG, GIF, BMP, WebP bytes), in order.
    public func embed(images: [Data]) throws -> [[Float]] { try imageQueue.submit(images) }

    /// Token ids of a text as the text model sees them (truncated to its limit).
    public func tokenIDs(_ text: String) -> [Int32] { textModel.truncated(tokenizer.encode(text)) }

    /// Preprocessed pixel tensor of an encoded image.
    public func pixels(_ image: Data) throws -> [Float] {
        do { return try preprocessor.pixelValues(encoded: image, decoder: decoder) } catch {
            throw CLIPEngineError("cannot read the image: \(error)")
        }
    }

    /// What the container's GET /meta returns on the sentence-transformers path:
    /// {"clip_model": <CLIP config.json>, "text_model": <text model config.json>}.
    /// The container's /meta (both models' configs), plus Iris's `precision` (fp32 or int8) and the CPU kernels
    /// in use (`kernels`: fp32 "avx512", "avx2" or "scalar"; `int8_kernel` at int8: "amx", "avx512-vnni"…), so
    /// an operator can see what this machine runs.
    public var meta: [String: Any] {
        var meta: [String: Any] = ["clip_model": clipModel.configDictionary, "text_model": textModel.configDictionary,
                                   "precision": precision.rawValue, "kernels": tensorKernelISA]
        if precision == .int8 { meta["int8_kernel"] = int8KernelISA }
        return meta
    }

    public func metaJSON() throws -> Data {
        try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])
    }

    private func computeTexts(_ texts: [String]) throws -> [[Float]] {
        let ids = texts.map(tokenIDs)
        return try textModel.embed(tokenIDs: ids, settings: settings)
    }

    private func computeImages(_ images: [Data]) throws -> [[Float]] {
        // Decode and preprocess on all cores, then one model run for the whole batch.
        var results = [Result<[Float], Error>?](repeating: nil, count: images.count)
        results.withUnsafeMutableBufferPointer { out in
            concurrentForEach(images.count) { i in out[i] = Result { try self.pixels(images[i]) } }
        }
        var tensors: [[Float]] = []
        tensors.reserveCapacity(images.count)
        for (i, r) in results.enumerated() {
            do { tensors.append(try r!.get()) } catch {
                throw CLIPEngineError(images.count > 1 ? "image \(i): \(error)" : "\(error)")
            }
        }
        return try clipModel.embed(pixels: tensors, settings: settings)
    }
}
