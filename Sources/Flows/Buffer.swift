/// A fixed-size, zero-initialised block of values that never reallocates.
/// Hot paths take its pointer, so once a workspace is built a training step
/// allocates nothing (no array growth, no copy-on-write, no retain of storage).
public final class ScalarBuffer<T: FlowScalar> {
    public let count: Int
    public let pointer: UnsafeMutablePointer<T>

    public init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [T]) {
        self.init(values.count)
        for (i, v) in values.enumerated() { pointer[i] = v }
    }

    deinit { pointer.deallocate() }

    public subscript(i: Int) -> T {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public var array: [T] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public func copy(from other: ScalarBuffer<T>) {
        precondition(other.count == count)
        pointer.update(from: other.pointer, count: count)
    }
}

/// Doubles: parameters, optimiser state, and every value of the double path.
public typealias Buffer = ScalarBuffer<Double>
