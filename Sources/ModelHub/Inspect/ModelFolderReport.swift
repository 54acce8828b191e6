import Foundation

extension ModelFolder {
    /// The human-readable description `iris model inspect` prints.
    public func report() -> String {
        var lines: [String] = []
        lines.append("Model folder: \(path)")
        lines.append("Layout: \(layout.rawValue)")
        if !modules.isEmpty {
            lines.append("Modules:")
            for module in modules {
                lines.append("  \(module.index)  \(module.path.isEmpty ? "." : module.path)  \(module.type)")
            }
        }
        if let clip {
            lines.append("CLIP (\(clip.configPath)): projection \(Self.text(clip.projectionDim))")
            let v = clip.vision
            var vision = "  vision: image \(Self.text(v.imageSize)), patch \(Self.text(v.patchSize))"
            if let side = v.patchesPerSide { vision += " (\(side)x\(side) = \(side * side) patches + class = \(side * side + 1) positions)" }
            lines.append(vision + ", " + Self.stack(v))
            let t = clip.text
            lines.append("  text: vocab \(Self.text(t.vocabSize)), positions \(Self.text(t.maxPositions)), " + Self.stack(t))
        }
        if let encoder = textEncoder {
            lines.append("Text encoder (\(encoder.modelType)): vocab \(Self.text(encoder.vocabSize)), "
                         + "positions \(Self.text(encoder.maxPositions)), " + Self.stack(encoder))
        }
        if let maxSeqLength { lines.append("Max sequence length: \(maxSeqLength)") }
        if let pooling {
            lines.append("Pooling (\(pooling.path)): \(pooling.modes.isEmpty ? "none" : pooling.modes.joined(separator: "+")), "
                         + "dimension \(Self.text(pooling.dimension))")
        }
        for dense in dense {
            lines.append("Dense (\(dense.path)): \(Self.text(dense.inFeatures)) -> \(Self.text(dense.outFeatures)), "
                         + "bias \(dense.bias), activation \(dense.activation)")
        }
        if !modules.isEmpty { lines.append("Normalize: \(normalize ? "yes" : "no")") }
        if let tokenizer {
            var line = "Tokenizer (\(tokenizer.folder.isEmpty ? "." : tokenizer.folder)): \(tokenizer.kind)"
            if let cls = tokenizer.tokenizerClass { line += " (\(cls))" }
            line += ", vocab \(Self.text(tokenizer.vocabSize))"
            if let lower = tokenizer.lowercase { line += ", lowercase \(lower)" }
            if let max = tokenizer.maxLength { line += ", model max length \(max)" }
            lines.append(line)
            lines.append("  files: " + tokenizer.files.joined(separator: ", "))
        }
        if let p = imageProcessor {
            lines.append("Image preprocessing (\(p.path)): resize shortest edge \(Self.text(p.resizeShortestEdge)) "
                         + "(resample \(Self.text(p.resample))), centre crop \(Self.text(p.cropSize)), "
                         + "mean \(Self.list(p.mean)), std \(Self.list(p.std))")
        }
        lines.append("Weights:")
        if weights.isEmpty { lines.append("  (none found)") }
        for w in weights {
            var line = "  \(w.path)  \(w.format.rawValue)  \(w.bytes) bytes (\(ProgressReporter.bytes(w.bytes)))"
            if let count = w.tensorCount {
                line += "  \(count) tensors"
                if let dtypes = w.dtypes {
                    line += " [" + dtypes.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ") + "]"
                }
            }
            if let params = w.parameterCount { line += "  \(params) parameters" }
            if let header = w.headerBytes { line += "  header \(header) bytes" }
            if let storages = w.storageCount { line += "  \(storages) storages" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func stack(_ s: TransformerSummary) -> String {
        "hidden \(text(s.hiddenSize)), layers \(text(s.layers)), heads \(text(s.heads)), MLP \(text(s.intermediateSize)), "
            + "activation \(s.activation ?? "?"), layer-norm eps \(s.layerNormEps.map { "\($0)" } ?? "?")"
    }

    private static func text(_ value: Int?) -> String { value.map(String.init) ?? "?" }

    private static func list(_ values: [Double]?) -> String {
        guard let values else { return "?" }
        return "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
    }
}
