/// What the embedding engine needs from a tokenizer: text -> model input ids, special tokens included.
///
/// Implemented by ``CLIPTokenizer`` (byte-level BPE for CLIP text towers) and ``WordPieceTokenizer``
/// (BERT / DistilBERT text models). Get the right one for a model folder with ``TokenizerLoader/load(directory:maxLength:)``.
/// Implementations are thread-safe.
public protocol TextTokenizer: AnyObject, Sendable {
    /// Most ids `encode(_:)` returns for one text (special tokens included).
    var maxLength: Int { get }
    /// The id used to pad batches to a common length (CLIP: `<|endoftext|>`, BERT: `[PAD]`).
    var padTokenId: Int32 { get }
    /// Ids with the model's special tokens; with `truncate`, cut to `maxLength` keeping the final special token.
    func encode(_ text: String, truncate: Bool) -> [Int32]
}

/// A batch padded to its longest member (row-major `count x length`), with the attention mask
/// (1 = real token, 0 = padding).
public struct PaddedBatch: Equatable, Sendable {
    public var ids: [Int32]
    public var attentionMask: [Int32]
    public var count: Int
    public var length: Int
    /// Unpadded length of each row.
    public var lengths: [Int]
}

extension TextTokenizer {
    /// Ids truncated to `maxLength` (what the reference embeds).
    public func encode(_ text: String) -> [Int32] { encode(text, truncate: true) }

    /// `encode(_:)` for each text, in order, each at its own length.
    public func encode(batch texts: [String], truncate: Bool = true) -> [[Int32]] {
        texts.map { encode($0, truncate: truncate) }
    }

    /// The batch padded with `padTokenId` to the longest text (what Python pipelines feed a model).
    public func encodePadded(batch texts: [String], truncate: Bool = true) -> PaddedBatch {
        let rows = encode(batch: texts, truncate: truncate)
        let length = rows.map(\.count).max() ?? 0
        var ids = [Int32](repeating: padTokenId, count: rows.count * length)
        var mask = [Int32](repeating: 0, count: rows.count * length)
        for (r, row) in rows.enumerated() {
            for (c, id) in row.enumerated() {
                ids[r * length + c] = id
                mask[r * length + c] = 1
            }
        }
        return PaddedBatch(ids: ids, attentionMask: mask, count: rows.count, length: length, lengths: rows.map(\.count))
    }
}
