import Foundation

/// Counts the tensors in a PyTorch checkpoint's `data.pkl` without unpickling anything: torch.save pickles
/// each tensor's storage as a persistent id (BINPERSID / PERSID), once per tensor even when tensors share
/// a storage, so walking the opcode stream and counting those gives the tensor count (buffers included).
enum PickleTensorCount {
    /// nil when the stream holds an opcode this walker does not know (then only storages are reported).
    static func count(_ pickle: [UInt8]) -> Int? {
        var i = 0
        var persistentIDs = 0
        func skipLine() -> Bool {
            while i < pickle.count, pickle[i] != 0x0A { i += 1 }
            guard i < pickle.count else { return false }
            i += 1
            return true
        }
        func lengthLE(_ width: Int) -> Int? {
            guard i + width <= pickle.count else { return nil }
            var value = 0
            for k in 0..<width { value |= Int(pickle[i + k]) << (8 * k) }
            i += width
            return value >= 0 ? value : nil
        }
        while i < pickle.count {
            let op = pickle[i]
            i += 1
            switch op {
            case 0x2E:  // STOP
                return persistentIDs
            case 0x51:  // BINPERSID
                persistentIDs += 1
            case 0x50:  // PERSID (text)
                persistentIDs += 1
                guard skipLine() else { return nil }
            // No argument.
            case 0x7D, 0x5D, 0x29, 0x28, 0x74, 0x85, 0x86, 0x87, 0x4E, 0x88, 0x89, 0x52, 0x73, 0x75, 0x61, 0x65,
                 0x62, 0x94, 0x81, 0x92, 0x93, 0x30, 0x31, 0x32, 0x8F, 0x90, 0x91, 0x97, 0x98, 0x6C, 0x64, 0x6F:
                break
            // Fixed-size argument.
            case 0x80, 0x71, 0x68, 0x4B, 0x82: i += 1  // PROTO, BINPUT, BINGET, BININT1, EXT1
            case 0x4D, 0x83: i += 2  // BININT2, EXT2
            case 0x72, 0x6A, 0x4A, 0x84: i += 4  // LONG_BINPUT, LONG_BINGET, BININT, EXT4
            case 0x47, 0x95: i += 8  // BINFLOAT, FRAME
            // Length-prefixed argument.
            case 0x55, 0x8C, 0x43, 0x8A:  // SHORT_BINSTRING, SHORT_BINUNICODE, SHORT_BINBYTES, LONG1
                guard let n = lengthLE(1) else { return nil }
                i += n
            case 0x58, 0x54, 0x42, 0x8B:  // BINUNICODE, BINSTRING, BINBYTES, LONG4
                guard let n = lengthLE(4) else { return nil }
                i += n
            case 0x8D, 0x8E, 0x96:  // BINUNICODE8, BINBYTES8, BYTEARRAY8
                guard let n = lengthLE(8) else { return nil }
                i += n
            // Newline-terminated text arguments.
            case 0x49, 0x4C, 0x46, 0x53, 0x56, 0x70, 0x67:  // INT, LONG, FLOAT, STRING, UNICODE, PUT, GET
                guard skipLine() else { return nil }
            case 0x63, 0x69:  // GLOBAL, INST: module and name lines
                guard skipLine(), skipLine() else { return nil }
            default:
                return nil
            }
        }
        return nil  // no STOP: truncated
    }
}
