package cmd

import (
	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/flow"
)

func newSchemaCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the flow language",
		Long: `Print the JSON Schema (draft 2020-12) of the flows flowctl accepts: flow keys, task types and
their properties, triggers, conditions, retries, inputs. Editors use it to complete and check
flow files:

  flowctl schema > flowctl.schema.json

and, as the first line of a flow:

  # yaml-language-server: $schema=./flowctl.schema.json

flowctl validate checks more than the schema can: unique task ids, templates, cron expressions,
time zones.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			b, err := flow.Schema(f.registry())
			if err != nil {
				return err
			}
			_, err = f.Out.Write(b)
			return err
		},
	}
}
