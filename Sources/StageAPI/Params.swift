import Synchronization

/// A parameter that a stage kind rejected: which one (a dotted path such as
/// `target.mu` or `seeds[2]`) and why. The engine adds the stage name and the
/// file/line/column of the parameter in pipeline.yaml.
public struct ParamError: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var message: String
    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "parameter '\(key)': \(message)" }
}

/// Typed, checked access to a stage's params. Every key a kind reads is
/// recorded, so the engine can reject keys no kind understands (typos) after
/// `validate` has read everything it knows.
public struct Params: Sendable {
    public let object: Value.Object
    /// Dotted path of this object inside the stage's params ("" at the top).
    public let path: String
    private let used: UsedKeys

    public init(_ object: Value.Object, path: String = "") {
        self.init(object, path: path, used: UsedKeys())
    }

    private init(_ object: Value.Object, path: String, used: UsedKeys) {
        self.object = object
        self.path = path
        self.used = used
    }

    /// Keys (full dotted paths) present in the params but never read.
    public var unreadKeys: [String] {
        var out: [String] = []
        collectUnread(object, prefix: path, into: &out)
        return out
    }

    private func collectUnread(_ o: Value.Object, prefix: String, into out: inout [String]) {
        for (k, v) in o.entries {
            let full = prefix.isEmpty ? k : prefix + "." + k
            if !used.contains(full) { out.append(full); continue }
            if case .object(let inner) = v, used.isDescended(full) { collectUnread(inner, prefix: full, into: &out) }
        }
    }

    public func fullKey(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    public func has(_ key: String) -> Bool { object[key] != nil }

    /// The raw value, marking the key as read.
    public func raw(_ key: String) -> Value? {
        used.insert(fullKey(key))
        return object[key]
    }

    private func required<T>(_ key: String, _ def: T?, _ what: String, _ convert: (Value) -> T?) throws -> T {
        guard let v = raw(key), v != .null else {
            if let def { return def }
            throw ParamError(key: fullKey(key), "is required (\(what))")
        }
        guard let t = convert(v) else {
            throw ParamError(key: fullKey(key), "must be \(what), got \(v.typeName) \(v.canonicalJSON)")
        }
        return t
    }

    public func double(_ key: String, default def: Double? = nil) throws -> Double {
        try required(key, def, "a number") { $0.asDouble }
    }

    public func int(_ key: String, default def: Int? = nil) throws -> Int {
        try required(key, def, "an integer") { $0.asInt }
    }

    public func bool(_ key: String, default def: Bool? = nil) throws -> Bool {
        try required(key, def, "true or false") { if case .bool(let b) = $0 { b } else { nil } }
    }

    public func string(_ key: String, default def: String? = nil) throws -> String {
        try required(key, def, "a string") { if case .string(let s) = $0 { s } else { nil } }
    }

    /// One of a fixed set of strings.
    public func choice(_ key: String, _ options: [String], default def: String? = nil) throws -> String {
        let s = try string(key, default: def)
        guard options.contains(s) else {
            throw ParamError(key: fullKey(key), "must be one of \(options.joined(separator: ", ")), got '\(s)'")
        }
        return s
    }

    /// A list of numbers; a single number is accepted as a list of one.
    public func doubles(_ key: String, default def: [Double]? = nil) throws -> [Double] {
        try required(key, def, "a list of numbers") { v in
            if let d = v.asDouble { return [d] }
            guard case .array(let a) = v else { return nil }
            let ds = a.compactMap(\.asDouble)
            return ds.count == a.count ? ds : nil
        }
    }

    /// A list of integers; a single integer is accepted as a list of one.
    public func ints(_ key: String, default def: [Int]? = nil) throws -> [Int] {
        try required(key, def, "a list of integers") { v in
            if let i = v.asInt { return [i] }
            guard case .array(let a) = v else { return nil }
            let xs = a.compactMap(\.asInt)
            return xs.count == a.count ? xs : nil
        }
    }

    public func strings(_ key: String, default def: [String]? = nil) throws -> [String] {
        try required(key, def, "a list of strings") { v in
            if case .string(let s) = v { return [s] }
            guard case .array(let a) = v else { return nil }
            let xs: [String] = a.compactMap { if case .string(let s) = $0 { s } else { nil } }
            return xs.count == a.count ? xs : nil
        }
    }

    /// A nested mapping, whose keys are tracked like the top level's.
    public func object(_ key: String, default def: Value.Object? = nil) throws -> Params {
        let o: Value.Object = try required(key, def, "a mapping") { if case .object(let o) = $0 { o } else { nil } }
        used.descend(fullKey(key))
        return Params(o, path: fullKey(key), used: used)
    }

    /// Throws unless `ok(value)`; `rule` says what is required ("must be > 0").
    @discardableResult
    public func check<T>(_ key: String, _ value: T, _ rule: String, _ ok: (T) -> Bool) throws -> T {
        guard ok(value) else { throw ParamError(key: fullKey(key), "\(rule), got \(value)") }
        return value
    }
}

extension Value {
    /// Integers are numbers too; an integral double is not an integer.
    public var asDouble: Double? {
        switch self {
        case .double(let d): d
        case .int(let i): Double(i)
        default: nil
        }
    }
    public var asInt: Int? { if case .int(let i) = self { i } else { nil } }
}

/// The set of keys read, shared by a Params and the nested Params it hands out.
private final class UsedKeys: Sendable {
    private let state = Mutex<(read: Set<String>, descended: Set<String>)>(([], []))
    func insert(_ k: String) { state.withLock { _ = $0.read.insert(k) } }
    func descend(_ k: String) { state.withLock { _ = $0.descended.insert(k) } }
    func contains(_ k: String) -> Bool { state.withLock { $0.read.contains(k) } }
    func isDescended(_ k: String) -> Bool { state.withLock { $0.descended.contains(k) } }
}
