import Foundation
import ModelFormats

/// Picks the files a SentenceTransformers / Hugging Face CLIP (or BERT-family) model needs from a
/// repository listing: configs, tokenizer files and one weight format per folder, only in the root and
/// the module folders modules.json names (so onnx/, openvino/, tf/flax weights and READMEs stay behind).
public enum FileSelection {
    /// - Parameter modulePaths: the `path` of every module in modules.json (empty when there is none).
    public static func select(from files: [RemoteFile], modulePaths: [String]) -> [RemoteFile] {
        let folders = Set([""] + modulePaths.map(RelativePath.normalizedFolder))
        let candidates = files.filter { folders.contains($0.directory) }
        var chosen: [RemoteFile] = []
        for folder in folders.sorted() {
            let inFolder = candidates.filter { $0.directory == folder }
            chosen += inFolder.filter { isSupportFile($0.fileName) }
            let safetensors = inFolder.filter { isSafetensorsWeight($0.fileName) }
            let pytorch = inFolder.filter { isPyTorchWeight($0.fileName) }
            // safetensors is preferred: it is what current loaders read first, and it needs no unpickling.
            chosen += safetensors.isEmpty ? pytorch : safetensors
        }
        return chosen.sorted { $0.path < $1.path }
    }

    static let supportFileNames: Set<String> = [
        "modules.json", "config_sentence_transformers.json", "sentence_bert_config.json",
        "config.json", "preprocessor_config.json", "processor_config.json", "image_processor_config.json",
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "vocab.json", "vocab.txt", "merges.txt",
        "sentencepiece.bpe.model", "spiece.model", "tokenizer.model",
    ]

    static func isSupportFile(_ name: String) -> Bool {
        supportFileNames.contains(name)
    }

    /// `model.safetensors`, or shards `model-00001-of-00002.safetensors` with their index.
    static func isSafetensorsWeight(_ name: String) -> Bool {
        name == "model.safetensors" || name == "model.safetensors.index.json"
            || (name.hasPrefix("model-") && name.hasSuffix(".safetensors"))
    }

    /// `pytorch_model.bin`, or shards `pytorch_model-00001-of-00002.bin` with their index.
    static func isPyTorchWeight(_ name: String) -> Bool {
        name == "pytorch_model.bin" || name == "pytorch_model.bin.index.json"
            || (name.hasPrefix("pytorch_model-") && name.hasSuffix(".bin"))
    }
}
