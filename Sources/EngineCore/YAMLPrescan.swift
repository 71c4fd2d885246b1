import CYaml
import StageAPI
import ProcessSpawn

/// One pass over libyaml's events, before any tree is built, refusing what
/// would cost without bound once composed:
/// - anchors (`&name`) and aliases (`*name`). Yams resolves an alias while
///   composing by sharing the anchored node, so a 600-byte file of nested
///   aliases becomes a tree of 10⁹ nodes the moment it is walked (and Yams's
///   duplicate-key check hashes aliased keys while composing): the refusal
///   must come before `Yams.compose`.
/// - nesting deeper than `maxDepth`: everything after the parser (params
///   validation, canonical JSON, matrix substitution) recurses.
/// The pass costs a few microseconds per kilobyte and allocates nothing.
enum YAMLPrescan {
    struct Problem: Equatable {
        var message: String
        var hint: String
        /// 1-based.
        var line: Int
        var column: Int
    }

    /// The same bound as `JSONReader.maxDepth`; real pipelines nest below 10.
    static let maxDepth = 256

    /// The first problem, or nil when there is none or the text is not valid
    /// YAML (Yams then reports the syntax error).
    static func firstProblem(in yaml: String) -> Problem? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(yaml.utf8)
        return bytes.withUnsafeBufferPointer { buf -> Problem? in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var event = yaml_event_t()
            var depth = 0
            while yaml_parser_parse(&parser, &event) == 1 {
                switch event.type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT: depth += 1
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT: depth -= 1
                default: break
                }
                var found = anchor(of: event)
                if found == nil, depth > maxDepth {
                    found = Problem(message: "lists and mappings nest deeper than \(maxDepth) levels",
                                    hint: "flatten the structure", line: event.start_mark.line + 1, column: event.start_mark.column + 1)
                }
                let end = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if found != nil || end { return found }
            }
            return nil
        }
    }

    private static func anchor(of e: yaml_event_t) -> Problem? {
        let (isAlias, raw): (Bool, UnsafeMutablePointer<yaml_char_t>?) = switch e.type {
        case YAML_ALIAS_EVENT: (true, e.data.alias.anchor)
        case YAML_SCALAR_EVENT: (false, e.data.scalar.anchor)
        case YAML_SEQUENCE_START_EVENT: (false, e.data.sequence_start.anchor)
        case YAML_MAPPING_START_EVENT: (false, e.data.mapping_start.anchor)
        default: (false, nil)
        }
        guard let raw else { return nil }
        let name = Diagnostics.visible(String(cString: UnsafePointer(raw)))
        return Problem(message: "YAML \(isAlias ? "alias '*\(name)'" : "anchor '&\(name)'"): anchors and aliases are not supported",
                       hint: "write the value out in full; to repeat a stage over values, use 'matrix:'",
                       line: e.start_mark.line + 1, column: e.start_mark.column + 1)
    }
}
