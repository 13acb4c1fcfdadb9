// Two security groups from the component package: a public web tier and an app tier only it can reach.
// The import is the SDK that `pulumi package add` generates from components/schema.json; check the package
// name it prints (the schema's namespace and name make it "@platform/security-groups").
import * as securitygroups from "@platform/security-groups";

const web = new securitygroups.SecurityGroup("web", {
    description: "Public web tier",
    ingress: [{ preset: "https", peers: ["anywhere"], description: "HTTPS from the internet" }],
});

const app = new securitygroups.SecurityGroup("app", {
    description: "Application servers",
    ingress: [{ protocol: "tcp", ports: "8080", peers: ["group:web"], description: "From the web tier" }],
    egress: [],
    // `group:web` above names this key; the id is an output of the other component.
    groupIds: { web: web.securityGroupId },
});

export const webSecurityGroupId = web.securityGroupId;
export const appRuleIds = app.ruleIds;
