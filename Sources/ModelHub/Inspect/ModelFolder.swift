import Foundation
import ModelFormats

/// What a model folder holds, read from its files without loading any weights: the layout, the
/// SentenceTransformers modules, config shapes, tokenizer, image preprocessing and weight files.
/// The layout is found by ModelFormats' `ModelFolderLayout`, the same code the CLIP engine loads with;
/// this is the description `iris model inspect` prints, so odd values are shown as unknown, not refused.
public struct ModelFolder: Codable, Equatable, Sendable {
    public var path: String
    public var layout: ModelLayout
    public var modules: [ModuleEntry]
    public var clip: CLIPSummary?
    /// The BERT-family encoder of a text model (nil for CLIP).
    public var textEncoder: TransformerSummary?
    public var maxSeqLength: Int?
    public var pooling: PoolingSummary?
    public var dense: [DenseSummary]
    public var normalize: Bool
    public var tokenizer: TokenizerSummary?
    public var imageProcessor: ImageProcessorSummary?
    public var weights: [WeightFileSummary]

    public init(contentsOf folder: URL) throws {
        let found = try ModelFolderLayout(folder: folder)
        path = folder.path
        layout = found.kind
        modules = found.modules
        dense = []
        normalize = false
        weights = []

        let modelFolder = found.modelPath  // where config.json, the tokenizer and the main weights live
        let configPath = RelativePath.join(modelFolder, "config.json")
        if found.isCLIP {
            clip = Self.clipSummary(found.config, path: configPath)
        } else {
            textEncoder = Self.encoderSummary(found.config)
        }
        if layout == .sentenceTransformersText {
            maxSeqLength = try JSONObject.fileIfPresent(
                folder.appendingPathComponent(RelativePath.join(modelFolder, "sentence_bert_config.json")))?.lenient.int("max_seq_length")
        }

        for module in modules {
            switch module.kind {
            case "Pooling":
                pooling = try Self.poolingSummary(folder, module.path)
            case "Dense":
                dense.append(try Self.denseSummary(folder, module.path))
            case "Normalize":
                normalize = true
            default:
                break
            }
        }
        tokenizer = try Self.tokenizerSummary(folder, modelFolder)
        if let processor = try JSONObject.fileIfPresent(folder.appendingPathComponent(RelativePath.join(modelFolder, "preprocessor_config.json"))) {
            imageProcessor = Self.imageProcessorSummary(processor, path: RelativePath.join(modelFolder, "preprocessor_config.json"))
        }
        let weightFolders = Array(Set([modelFolder] + modules.map(\.path))).sorted()
        for sub in weightFolders {
            weights += try Self.weightFiles(folder, sub)
        }
    }

    // MARK: configs

    /// CLIP's towers; keys the file leaves out take transformers' CLIPTextConfig/CLIPVisionConfig defaults,
    /// and the legacy `text_config_dict`/`vision_config_dict` win when present (as in transformers).
    static func clipSummary(_ json: JSONObject, path: String) -> CLIPSummary {
        let config = json.lenient
        let none = JSONObject(raw: [:], context: path).lenient
        let text = (config.object("text_config") ?? none).overlaid(with: config.object("text_config_dict"))
        let vision = (config.object("vision_config") ?? none).overlaid(with: config.object("vision_config_dict"))
        let textSummary = TransformerSummary(
            modelType: text.string("model_type") ?? "clip_text_model",
            hiddenSize: text.int("hidden_size") ?? 512, layers: text.int("num_hidden_layers") ?? 12,
            heads: text.int("num_attention_heads") ?? 8, intermediateSize: text.int("intermediate_size") ?? 2048,
            activation: text.string("hidden_act") ?? "quick_gelu", layerNormEps: text.double("layer_norm_eps") ?? 1e-5,
            vocabSize: text.int("vocab_size") ?? 49408, maxPositions: text.int("max_position_embeddings") ?? 77)
        let visionSummary = TransformerSummary(
            modelType: vision.string("model_type") ?? "clip_vision_model",
            hiddenSize: vision.int("hidden_size") ?? 768, layers: vision.int("num_hidden_layers") ?? 12,
            heads: vision.int("num_attention_heads") ?? 12, intermediateSize: vision.int("intermediate_size") ?? 3072,
            activation: vision.string("hidden_act") ?? "quick_gelu", layerNormEps: vision.double("layer_norm_eps") ?? 1e-5,
            imageSize: vision.int("image_size") ?? 224, patchSize: vision.int("patch_size") ?? 32,
            channels: vision.int("num_channels") ?? 3)
        return CLIPSummary(configPath: path, projectionDim: config.int("projection_dim") ?? 512,
                           text: textSummary, vision: visionSummary)
    }

    /// BERT-family encoders; DistilBERT names its fields differently (dim, n_layers, n_heads, hidden_dim).
    static func encoderSummary(_ json: JSONObject) -> TransformerSummary {
        let config = json.lenient
        let type = config.string("model_type") ?? "unknown"
        if type == "distilbert" {
            return TransformerSummary(
                modelType: type, hiddenSize: config.int("dim") ?? 768, layers: config.int("n_layers") ?? 6,
                heads: config.int("n_heads") ?? 12, intermediateSize: config.int("hidden_dim") ?? 3072,
                activation: config.string("activation") ?? "gelu", layerNormEps: 1e-12,  // fixed in DistilBERT's code
                vocabSize: config.int("vocab_size"), maxPositions: config.int("max_position_embeddings") ?? 512)
        }
        return TransformerSummary(
            modelType: type, hiddenSize: config.int("hidden_size"), layers: config.int("num_hidden_layers"),
            heads: config.int("num_attention_heads"), intermediateSize: config.int("intermediate_size"),
            activation: config.string("hidden_act"), layerNormEps: config.double("layer_norm_eps"),
            vocabSize: config.int("vocab_size"), maxPositions: config.int("max_position_embeddings"))
    }

    static func poolingSummary(_ folder: URL, _ path: String) throws -> PoolingSummary {
        let config = try JSONObject(file: folder.appendingPathComponent(RelativePath.join(path, "config.json"))).lenient
        let flags = [("cls", "pooling_mode_cls_token"), ("mean", "pooling_mode_mean_tokens"),
                     ("max", "pooling_mode_max_tokens"), ("mean_sqrt_len", "pooling_mode_mean_sqrt_len_tokens"),
                     ("weightedmean", "pooling_mode_weightedmean_tokens"), ("lasttoken", "pooling_mode_lasttoken")]
        var modes = flags.filter { config.bool($0.1) == true }.map(\.0)
        if modes.isEmpty, let mode = config.string("pooling_mode") { modes = [mode] }
        return PoolingSummary(path: path, dimension: config.int("word_embedding_dimension"), modes: modes)
    }

    static func denseSummary(_ folder: URL, _ path: String) throws -> DenseSummary {
        let config = try JSONObject(file: folder.appendingPathComponent(RelativePath.join(path, "config.json"))).lenient
        let activation = config.string("activation_function") ?? "torch.nn.modules.activation.Tanh"  // ST's default
        return DenseSummary(path: path, inFeatures: config.int("in_features"), outFeatures: config.int("out_features"),
                            bias: config.bool("bias") ?? true,
                            activation: activation.split(separator: ".").last.map(String.init) ?? activation)
    }

    static func imageProcessorSummary(_ json: JSONObject, path: String) -> ImageProcessorSummary {
        let config = json.lenient
        // Legacy configs write `size: 224`; newer ones `size: {"shortest_edge": 224}` and `crop_size: {"height", "width"}`.
        let size = config.int("size") ?? config.object("size")?.int("shortest_edge")
        let crop = config.int("crop_size") ?? config.object("crop_size")?.int("height")
        return ImageProcessorSummary(path: path, resizeShortestEdge: size, cropSize: crop, resample: config.int("resample"),
                                     mean: config.doubles("image_mean"), std: config.doubles("image_std"))
    }

    // MARK: tokenizer

    static func tokenizerSummary(_ folder: URL, _ sub: String) throws -> TokenizerSummary? {
        let dir = sub.isEmpty ? folder : folder.appendingPathComponent(sub)
        let fm = FileManager.default
        let candidates = ["tokenizer.json", "vocab.json", "merges.txt", "vocab.txt", "sentencepiece.bpe.model",
                          "spiece.model", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"]
        let files = candidates.filter { fm.fileExists(atPath: dir.appendingPathComponent($0).path) }
        guard !files.isEmpty else { return nil }
        let config = try JSONObject.fileIfPresent(dir.appendingPathComponent("tokenizer_config.json"))?.lenient
        var kind = "unknown"
        var vocab: Int?
        if let fast = try JSONObject.fileIfPresent(dir.appendingPathComponent("tokenizer.json")), let model = fast.lenient.object("model") {
            kind = model.string("type") ?? (model.fields["merges"] != nil ? "BPE" : "unknown")
            vocab = model.count("vocab")
        } else if files.contains("vocab.json"), files.contains("merges.txt") {
            kind = "BPE"
            vocab = try JSONObject(file: dir.appendingPathComponent("vocab.json")).fields.count
        } else if files.contains("vocab.txt") {
            kind = "WordPiece"
            let text = try String(contentsOf: dir.appendingPathComponent("vocab.txt"), encoding: .utf8)
            vocab = text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
        } else if files.contains(where: { $0.hasSuffix(".model") }) {
            kind = "SentencePiece"
        }
        return TokenizerSummary(folder: sub, kind: kind, tokenizerClass: config?.string("tokenizer_class"), vocabSize: vocab,
                                lowercase: config?.bool("do_lower_case"), maxLength: config?.int("model_max_length"),
                                files: files)
    }

    // MARK: weights

    static func weightFiles(_ folder: URL, _ sub: String) throws -> [WeightFileSummary] {
        let dir = sub.isEmpty ? folder : folder.appendingPathComponent(sub)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
        var out: [WeightFileSummary] = []
        for name in names {
            let url = dir.appendingPathComponent(name)
            let relative = RelativePath.join(sub, name)
            let bytes = fileSize(url) ?? 0
            if name.hasSuffix(".safetensors") {
                let tensors = try SafeTensorsFile(url: url)
                var dtypes: [String: Int] = [:]
                for tensor in tensors.allEntries { dtypes[tensor.dtypeName, default: 0] += 1 }
                out.append(WeightFileSummary(
                    path: relative, format: .safetensors, bytes: bytes, tensorCount: tensors.entries.count, dtypes: dtypes,
                    parameterCount: tensors.allEntries.reduce(0) { $0 + $1.elementCount }, headerBytes: tensors.headerLength))
            } else if name.hasSuffix(".bin"), name.hasPrefix("pytorch_model") {
                let file = try MappedFile(url)
                if StoredZip.hasSignature(file) {
                    // Storages come from the zip directory; the tensor count from the state dict, when the
                    // restricted unpickler accepts it (nil otherwise: the engine could not load it either).
                    let zip = try StoredZip(file: file)
                    out.append(WeightFileSummary(path: relative, format: .pytorchZip, bytes: bytes,
                                                 tensorCount: (try? TorchCheckpoint(file: file, archive: zip))?.tensors.count,
                                                 storageCount: TorchCheckpoint.storageCount(in: zip)))
                } else {
                    out.append(WeightFileSummary(path: relative, format: .pytorchLegacy, bytes: bytes))
                }
            }
        }
        return out
    }
}
