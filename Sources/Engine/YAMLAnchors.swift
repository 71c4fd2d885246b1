import CYaml

/// Finds YAML anchors (`&name`) and aliases (`*name`) with libyaml's event
/// parser, before any tree is built. Yams resolves an alias while composing
/// by sharing the anchored node, so a 600-byte file of nested aliases becomes
/// a tree of 10⁹ nodes the moment it is walked (and duplicate-key checks hash
/// it while composing): the refusal must come before `Yams.compose`. One pass
/// over the events costs a few microseconds per kilobyte and builds nothing.
enum YAMLAnchors {
    struct Found: Equatable {
        var isAlias: Bool
        var name: String
        var line: Int
        var column: Int
    }

    /// The first anchor or alias, 1-based position; nil when there is none or
    /// the text is not valid YAML (Yams then reports the syntax error).
    static func first(in yaml: String) -> Found? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(yaml.utf8)
        return bytes.withUnsafeBufferPointer { buf -> Found? in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                let found = anchor(of: event)
                let end = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if found != nil || end { return found }
            }
            return nil
        }
    }

    private static func anchor(of e: yaml_event_t) -> Found? {
        let (isAlias, raw): (Bool, UnsafeMutablePointer<yaml_char_t>?) = switch e.type {
        case YAML_ALIAS_EVENT: (true, e.data.alias.anchor)
        case YAML_SCALAR_EVENT: (false, e.data.scalar.anchor)
        case YAML_SEQUENCE_START_EVENT: (false, e.data.sequence_start.anchor)
        case YAML_MAPPING_START_EVENT: (false, e.data.mapping_start.anchor)
        default: (false, nil)
        }
        guard let raw else { return nil }
        let name = String(cString: UnsafePointer(raw))
        return Found(isAlias: isAlias, name: name, line: e.start_mark.line + 1, column: e.start_mark.column + 1)
    }
}
