// AWSGuard with every policy enabled at its default (advisory) level, as its README's first example.
const { AwsGuard } = require("@pulumi/awsguard");

new AwsGuard({ all: "advisory" });
