package tasks

import "strings"

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
			return "GitHub Actions", ""
		}
		return "GitHub Actions", strings.TrimRight(server, "/") + "/" + repo + "/actions/runs/" + run
	case get("GITLAB_CI") != "":
		return "GitLab CI", get("CI_JOB_URL")
	case get("JENKINS_URL") != "" || get("JENKINS_HOME") != "":
		return "Jenkins", get("BUILD_URL")
	case get("BUILDKITE") == "true":
		return "Buildkite", get("BUILDKITE_BUILD_URL")
	case get("CIRCLECI") == "true":
		return "CircleCI", get("CIRCLE_BUILD_URL")
	case get("CI") != "" && get("CI") != "false" && get("CI") != "0":
		return "CI", ""
	}
	return "", ""
}
