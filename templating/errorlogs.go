package templating

import "errors"

// errNoErrorLogs is what errorLogs() says where the caller gave no way to read the
// execution's logs (outside a task run).
var errNoErrorLogs = errors.New("errorLogs() can only be used in a task, where the execution's logs are at hand")

// errorLogsFunc is Kestra's errorLogs(): the first ERROR log lines of the execution, oldest
// first, each a map of Kestra's LogEntry fields (namespace, flowId, taskId, executionId,
// taskRunId, attemptNumber, timestamp, level, message); an empty list when there is none.
func errorLogsFunc(c *evalCtx, _ []any) (any, error) {
	if c.env == nil || c.env.ErrorLogs == nil {
		return nil, errNoErrorLogs
	}
	logs := c.env.ErrorLogs()
	size := 0
	for _, l := range logs {
		if m, ok := l.(map[string]any); ok {
			if s, ok := m["message"].(string); ok {
				size += len(s)
			}
		}
	}
	if err := c.b.grow(size); err != nil {
		return nil, err
	}
	if logs == nil {
		logs = []any{}
	}
	return logs, nil
}
