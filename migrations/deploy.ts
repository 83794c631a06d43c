// `anchor migrate` runs this after `anchor deploy`, with the provider of
// Anchor.toml (cluster and wallet). It initialises the venue a spec file
// describes by calling the Ballast CLI, so a deployment is built by the
// same code the test suite checks (`ballast admin init --spec`):
//
//   BALLAST_SPEC=mainnet.toml anchor migrate --provider.cluster mainnet
//
// The wallet must be the programs' upgrade authority. admin init is
// idempotent: run `anchor migrate` again after the exchange's timelock (it
// prints the slot) to open the markets, or to resume a run cut short.
// Then hand governance to the multisig (README, "Deploying").
//
// Nothing here needs a Node package beyond what `anchor migrate` brings:
// the provider is used only for its endpoint.

import { execFileSync } from "child_process";

module.exports = async function (provider: any) {
  const spec = process.env.BALLAST_SPEC;
  if (!spec) {
    throw new Error("set BALLAST_SPEC to the venue spec file (e.g. mainnet.toml)");
  }
  const wallet = process.env.ANCHOR_WALLET;
  if (!wallet) {
    throw new Error("ANCHOR_WALLET is not set: run this through `anchor migrate`");
  }
  const ballast = process.env.BALLAST_BIN ?? "ballast";
  const url: string = provider.connection.rpcEndpoint;
  execFileSync(ballast, ["admin", "init", "--spec", spec, "-u", url, "-k", wallet], { stdio: "inherit" });
};
