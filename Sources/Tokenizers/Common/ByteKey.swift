/// A byte string as a dictionary key. Swift `String` keys compare by canonical equivalence (so `é` and
/// `e` + U+0301 would be one key) and hash slowly for non-ASCII text; vocabularies are byte-exact maps in the
/// reference, so they are keyed by UTF-8 bytes, hashed in one call.
struct ByteKey: Hashable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8] = []) { self.bytes = bytes }
    init(_ string: String) { bytes = Array(string.utf8) }

    static func == (a: ByteKey, b: ByteKey) -> Bool { a.bytes == b.bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
