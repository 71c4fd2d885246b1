/// A fixed-size, zero-initialised block of doubles that never reallocates.
/// Hot paths take its pointer, so once a workspace is built a training step
/// allocates nothing (no array growth, no copy-on-write, no retain of storage).
public final class Buffer {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Double>

    public init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Double]) {
        self.init(values.count)
        for (i, v) in values.enumerated() { pointer[i] = v }
    }

    deinit { pointer.deallocate() }

    public subscript(i: Int) -> Double {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public var array: [Double] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public func copy(from other: Buffer) {
        precondition(other.count == count)
        pointer.update(from: other.pointer, count: count)
    }
}
