package tasks

import "strings"

// The CI systems CIJob names. flowctl marks its log up for the first two (see report.CISink).
const (
	CIGitHub    = "GitHub Actions"
	CIGitLab    = "GitLab CI"
	CIJenkins   = "Jenkins"
	CIBuildkite = "Buildkite"
	CICircleCI  = "CircleCI"
	CIOther     = "CI"
)

// CIJob says which CI system flowctl runs under, read from environ (os.Environ() form, the
// last entry of a name wins), and the web page of the running job or build when the system
// tells it: GitHub Actions, GitLab CI, Jenkins, Buildkite and CircleCI. A system that sets
// only CI=true is named "CI", with no page. Outside CI both are "".
//
// Each system is recognised by the variable it sets to say it is there, not by its URL
// variable alone: BUILD_URL, say, is a common name that other tools set too.
func CIJob(environ []string) (name, url string) {
	get := func(key string) string { return strings.TrimSpace(envValue(environ, key)) }
	switch {
	case get("GITHUB_ACTIONS") == "true":
		server, repo, run := get("GITHUB_SERVER_URL"), get("GITHUB_REPOSITORY"), get("GITHUB_RUN_ID")
		if server == "" {
			server = "https://github.com" // GitHub Enterprise sets its own; github.com may not
		}
		if repo == "" || run == "" {
			return CIGitHub, ""
		}
		return CIGitHub, strings.TrimRight(server, "/") + "/" + repo + "/actions/runs/" + run
	case get("GITLAB_CI") != "":
		return CIGitLab, get("CI_JOB_URL")
	case get("JENKINS_URL") != "" || get("JENKINS_HOME") != "":
		return CIJenkins, get("BUILD_URL")
	case get("BUILDKITE") == "true":
		return CIBuildkite, get("BUILDKITE_BUILD_URL")
	case get("CIRCLECI") == "true":
		return CICircleCI, get("CIRCLE_BUILD_URL")
	case get("CI") != "" && get("CI") != "false" && get("CI") != "0":
		return CIOther, ""
	}
	return "", ""
}
