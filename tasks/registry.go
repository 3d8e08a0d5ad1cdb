package tasks

import (
	"sort"
	"strings"
)

// Registry maps every accepted type name, lower-cased, aliases included, to its Def.
type Registry map[string]*Def

// Add registers d under its type name and all its aliases.
func (r Registry) Add(d *Def) {
	r[strings.ToLower(d.Type)] = d
	for _, a := range d.Aliases {
		r[strings.ToLower(a)] = d
	}
}

// Lookup finds the Def of a type name, compared without regard to case.
func (r Registry) Lookup(typ string) (*Def, bool) {
	d, ok := r[strings.ToLower(typ)]
	return d, ok
}

// Defs returns each registered Def once, sorted by canonical type name.
func (r Registry) Defs() []*Def {
	seen := map[*Def]bool{}
	var out []*Def
	for _, d := range r {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// Builtin returns a Registry of every task type flowctl implements.
func Builtin() Registry {
	r := Registry{}
	for _, d := range builtin {
		r.Add(d)
	}
	return r
}

// builtin lists the implemented task types; one entry per task file.
var builtin = []*Def{
	logDef,
	returnDef,
	failDef,
	shellScriptDef,
	shellCommandsDef,
	pythonScriptDef,
	pythonCommandsDef,
	dbtCLIDef,
	terraformCLIDef,
	ansibleCLIDef,
	awsCLIDef,
	gcloudCLIDef,
	azCLIDef,
	slackIncomingWebhookDef,
	slackExecutionDef,
	teamsIncomingWebhookDef,
	teamsExecutionDef,
	discordIncomingWebhookDef,
	discordExecutionDef,
	googleChatIncomingWebhookDef,
	googleChatExecutionDef,
	zulipIncomingWebhookDef,
	zulipExecutionDef,
	telegramSendDef,
	telegramExecutionDef,
	mailSendDef,
	mailExecutionDef,
	kvSetDef,
	kvGetDef,
	kvGetKeysDef,
	kvDeleteDef,
	namespaceUploadDef,
	namespaceDownloadDef,
	namespaceDeleteDef,
	httpRequestDef,
	httpDownloadDef,
	outputValuesDef,
	echoDef,
	sleepDef,
	subflowDef,
	pauseDef,
	localFilesDef,
	writeDef,
	concatDef,
	labelsDef,
	resumeDef,
	toggleDef,
	stateSetDef,
	stateGetDef,
	stateDeleteDef,
	fetchDef,
	gitCloneDef,
	csvToIonDef,
	ionToCsvDef,
	jsonToIonDef,
	ionToJSONDef,
	archiveDecompressDef,
	archiveCompressDef,
	fileCompressDef,
	fileDecompressDef,
	assertDef,
	storageSizeDef,
	storageDeleteDef,
	purgeCurrentExecutionFilesDef,
	storageSplitDef,
	storageReverseDef,
	filterItemsDef,
	deduplicateItemsDef,
	countDef,
	purgeExecutionsDef,
	purgeLogsDef,
}
