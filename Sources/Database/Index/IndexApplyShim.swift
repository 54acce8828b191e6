// TEMPORARY until VectorIndex gains `apply` (being written): sequential stand-in.
import VectorIndex

struct VectorChange { var id: UInt64; var vector: [Float]? }

extension VectorIndex {
    func apply(_ changes: [VectorChange], through sequence: UInt64, threads: Int) -> [Error?] {
        var errors = [Error?](repeating: nil, count: changes.count)
        for (k, c) in changes.enumerated() {
            if let v = c.vector {
                do { try upsert(id: c.id, vector: v, sequence: sequence) } catch { errors[k] = error }
            } else {
                delete(id: c.id, sequence: sequence)
            }
        }
        return errors
    }
}
