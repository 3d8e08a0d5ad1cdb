// Package templating renders the templates of flow files: Kestra's {{ expr }} and
// {% tag %} with Pebble's grammar, and flowctl's own << expr >> and << tag >> that stay out of
// the way of shell heredocs and bit shifts.
//
// A template is parsed once (Parse), in one pass over its source, into a tree of pieces:
// text, printed expressions, and Pebble's block tags (if/elseif/else, for, set, macro,
// filter) with the pieces inside them. Template.Render walks that tree once, writing as it
// goes. Nothing renders silently as an empty string: a variable that does not exist, or a
// null value, is an error unless the expression asks for a fallback with default(...) or ??.
//
// Rendering does not go through github.com/valyala/fasttemplate any more. It used to, by
// re-encoding the parsed template into a second placeholder syntax that fasttemplate parsed
// again. A fast path for templates of text and plain {{ }} tags, compiled by fasttemplate
// with the source's own delimiters, was measured against the tree walk on the Slack payload
// of bench_test.go: 1,048 B and 9 allocations a render against 808 B and 6, and a second scan
// of the source at Parse. Nothing is left for it to do better.
//
// Values follow Kestra's rules: numbers keep their type and print as Java does (integers
// without a point, doubles with one: 6.0, 1.0E21), a condition is true as Pebble's
// TypeUtils.compatibleCast says (a non-empty string, "false" included), string literals
// unescape only their quote.
//
// The package is a leaf: it knows nothing of flows, tasks or the runner. The caller builds the
// variables (Env.Vars) and decides where secrets come from (Env.Secret, see EnvSecrets).
package templating
