package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

func newKVCmd(fac *factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "kv",
		Short: "Read and write the KV store that flows share (Kestra's kv tasks and kv())",
		Long: `The KV store keeps values by namespace and key in the state, for flows (kv.Set, kv.Get,
kv.GetKeys, kv.Delete, kv() in templates), scripts and people. Every value has a type:
STRING, NUMBER, BOOLEAN, DATETIME, DATE, DURATION or JSON. A pair set with a ttl vanishes
when it expires.`,
	}
	c.AddCommand(newKVSetCmd(fac), newKVGetCmd(fac), newKVListCmd(fac), newKVDeleteCmd(fac))
	return c
}

func newKVSetCmd(fac *factory) *cobra.Command {
	var statePath, typ, ttl string
	c := &cobra.Command{
		Use:   "set NAMESPACE KEY VALUE",
		Short: "Store a value (text unless --type says otherwise; - reads it from standard input)",
		Example: `  flowctl kv set company.team api_url https://api.example.com
  flowctl kv set company.team retries 3 --type NUMBER
  flowctl kv set company.team config '{"region": "eu", "replicas": 2}' --type JSON
  flowctl kv set company.team token "$TOKEN" --ttl PT1H
  curl -s https://api.example.com/config | flowctl kv set company.team config - --type JSON`,
		Args: cobra.ExactArgs(3),
		RunE: func(c *cobra.Command, args []string) error {
			ns, key, text := args[0], args[1], args[2]
			if text == "-" {
				b, err := io.ReadAll(io.LimitReader(fac.In, state.MaxKVValue+1))
				if err != nil {
					return usageErrorf("reading the value from standard input: %v", err)
				}
				text = strings.TrimSuffix(string(b), "\n")
			}
			if typ == "" {
				typ = tasks.KVString
			}
			v, err := tasks.ConvertKVValue(typ, text)
			if err != nil {
				return usageErrorf("--type %s: %v", strings.ToUpper(typ), err)
			}
			w := state.KVWrite{Type: v.Type, Overwrite: true}
			if ttl != "" {
				if w.TTL, err = duration.Parse(ttl); err != nil || w.TTL <= 0 {
					return usageErrorf("invalid --ttl %q: give a positive ISO-8601 duration such as PT1H or P7D", ttl)
				}
			}
			if w.Value, err = v.MarshalJSON(); err != nil {
				return usageErrorf("%v", err)
			}
			store, err := fac.openState(c.Context(), statePath, false)
			if err != nil {
				return err
			}
			return kvError(store.SetKV(ns, key, w))
		},
	}
	stateFlag(c, &statePath)
	c.Flags().StringVar(&typ, "type", "", "the value's type: "+strings.Join(tasks.KVTypes(), ", ")+" (default STRING)")
	c.Flags().StringVar(&ttl, "ttl", "", "how long the pair lives, an ISO-8601 duration such as PT1H (default: for ever)")
	return c
}

func newKVGetCmd(fac *factory) *cobra.Command {
	var statePath, output string
	c := &cobra.Command{
		Use:   "get NAMESPACE KEY",
		Short: "Print a value: text as it is, other types as JSON (exit 1 when the key is missing)",
		Args:  cobra.ExactArgs(2),
		RunE: runWithState(fac, &statePath, true, func() error { return outputFlag(output) }, func(store *state.Store, args []string) error {
			e, ok, err := store.GetKV(args[0], args[1])
			if err != nil {
				return kvError(err)
			}
			if !ok {
				return &exitError{code: ExitFailed, err: fmt.Errorf("The key '%s' does not exist in the namespace '%s'.", args[1], args[0])}
			}
			if output == "json" {
				return report.WriteJSON(fac.Out, kvJSONOf(e))
			}
			_, err = fmt.Fprintln(fac.Out, kvText(e.Value))
			return err
		}),
	}
	stateFlag(c, &statePath)
	c.Flags().StringVarP(&output, "output", "o", "text", "output format: text (the value) or json (the value with its type and dates)")
	return c
}

func newKVListCmd(fac *factory) *cobra.Command {
	var statePath, output, prefix string
	c := &cobra.Command{
		Use:   "list NAMESPACE",
		Short: "List the keys of a namespace, with their types and dates",
		Args:  cobra.ExactArgs(1),
		// Read-only, like every listing: expired pairs are left out, and removed by the
		// next write (or listing by a flow) that meets them.
		RunE: runWithState(fac, &statePath, true, func() error { return outputFlag(output) }, func(store *state.Store, args []string) error {
			list, err := store.ListKV(args[0], prefix)
			if err != nil {
				return kvError(err)
			}
			doc := make([]kvJSON, len(list))
			for i, e := range list {
				doc[i] = kvJSONOf(e)
			}
			return writeListing(fac.Streams, output, doc, len(list), fmt.Sprintf("no key in namespace %s (that matches)", args[0]),
				"KEY\tTYPE\tUPDATED\tEXPIRES", func(w io.Writer) {
					for _, e := range list {
						expires := "never"
						if !e.Expires.IsZero() {
							expires = e.Expires.UTC().Format(time.RFC3339)
						}
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.Key, e.Type, e.Updated.UTC().Format(time.RFC3339), expires)
					}
				})
		}),
	}
	stateFlag(c, &statePath)
	c.Flags().StringVar(&prefix, "prefix", "", "only the keys that start with this text")
	c.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return c
}

func newKVDeleteCmd(fac *factory) *cobra.Command {
	var statePath string
	c := &cobra.Command{
		Use:   "delete NAMESPACE KEY",
		Short: "Delete a key (a key that is not there is not an error: it is said on stderr)",
		Args:  cobra.ExactArgs(2),
		RunE: runWithState(fac, &statePath, false, nil, func(store *state.Store, args []string) error {
			deleted, err := store.DeleteKV(args[0], args[1])
			if err != nil {
				return kvError(err)
			}
			if !deleted {
				nothingDeleted(fac.Streams, "key", args[1], args[0])
			}
			return nil
		}),
	}
	stateFlag(c, &statePath)
	return c
}

// kvError gives a failed KV operation its exit code: 2, like any error of the state or of
// the arguments (a key the store does not accept); Main makes an interrupted one 130.
func kvError(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitUsage, err: err}
}

// kvJSON is one pair in -o json: Kestra's KVEntry fields, with the namespace, type and value.
type kvJSON struct {
	Namespace      string          `json:"namespace"`
	Key            string          `json:"key"`
	Type           string          `json:"type"`
	Value          json.RawMessage `json:"value"`
	CreationDate   time.Time       `json:"creationDate"`
	UpdateDate     time.Time       `json:"updateDate"`
	ExpirationDate *time.Time      `json:"expirationDate"`
}

func kvJSONOf(e state.KVEntry) kvJSON {
	j := kvJSON{Namespace: e.Namespace, Key: e.Key, Type: e.Type, Value: e.Value,
		CreationDate: e.Created.UTC(), UpdateDate: e.Updated.UTC()}
	if !e.Expires.IsZero() {
		t := e.Expires.UTC()
		j.ExpirationDate = &t
	}
	return j
}

// kvText is a value as `kv get` prints it: a JSON string unquoted, anything else as JSON.
func kvText(raw []byte) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
