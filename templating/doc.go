// Package templating renders the templates of flow files: Kestra's {{ expr }} tags with
// Pebble's expression grammar, and flowctl's own << expr >> tags that stay out of the way of
// shell heredocs and bit shifts.
//
// A template is parsed once (Parse) into text and compiled expressions, then rendered many
// times (Template.Render) through github.com/valyala/fasttemplate with a tag function that
// evaluates the expression a placeholder stands for. Nothing renders silently as an empty
// string: a variable that does not exist, or a null value, is an error unless the expression
// asks for a fallback with default(...) or ??.
//
// The package is a leaf: it knows nothing of flows, tasks or the runner. The caller builds the
// variables (Env.Vars) and decides where secrets come from (Env.Secret, see EnvSecrets).
package templating
