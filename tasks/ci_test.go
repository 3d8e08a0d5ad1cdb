package tasks

import "testing"

func TestCIJob(t *testing.T) {
	cases := []struct {
		name     string
		env      []string
		wantName string
		wantURL  string
	}{
		{"outside CI", []string{"HOME=/root", "BUILD_URL=https://not-a-ci.example.com"}, "", ""},
		{"GitHub Actions", []string{"CI=true", "GITHUB_ACTIONS=true", "GITHUB_SERVER_URL=https://github.example.com/",
			"GITHUB_REPOSITORY=acme/flows", "GITHUB_RUN_ID=4242"}, "GitHub Actions", "https://github.example.com/acme/flows/actions/runs/4242"},
		{"GitHub Actions without a server", []string{"GITHUB_ACTIONS=true", "GITHUB_REPOSITORY=acme/flows", "GITHUB_RUN_ID=1"},
			"GitHub Actions", "https://github.com/acme/flows/actions/runs/1"},
		{"GitHub Actions without a run", []string{"GITHUB_ACTIONS=true", "GITHUB_REPOSITORY=acme/flows"}, "GitHub Actions", ""},
		{"GitLab", []string{"CI=true", "GITLAB_CI=true", "CI_JOB_URL=https://gitlab.com/acme/flows/-/jobs/7"}, "GitLab CI", "https://gitlab.com/acme/flows/-/jobs/7"},
		{"Jenkins", []string{"JENKINS_URL=https://ci.example.com/", "BUILD_URL=https://ci.example.com/job/flows/12/"}, "Jenkins", "https://ci.example.com/job/flows/12/"},
		{"Buildkite", []string{"CI=true", "BUILDKITE=true", "BUILDKITE_BUILD_URL=https://buildkite.com/acme/flows/builds/3"}, "Buildkite", "https://buildkite.com/acme/flows/builds/3"},
		{"CircleCI", []string{"CI=true", "CIRCLECI=true", "CIRCLE_BUILD_URL=https://circleci.com/gh/acme/flows/9"}, "CircleCI", "https://circleci.com/gh/acme/flows/9"},
		{"another CI", []string{"CI=true"}, "CI", ""},
		{"CI=false", []string{"CI=false"}, "", ""},
		{"the last entry wins", []string{"GITHUB_ACTIONS=true", "GITHUB_ACTIONS="}, "", ""},
	}
	for _, c := range cases {
		name, url := CIJob(c.env)
		if name != c.wantName || url != c.wantURL {
			t.Errorf("%s: got %q %q, want %q %q", c.name, name, url, c.wantName, c.wantURL)
		}
	}
}
