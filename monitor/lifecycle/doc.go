// Package lifecycle tells what state a watched domain is in — active,
// parked, suspended, seized, sinkholed, expired, redemption, pending_delete,
// deleted, reregistered or unknown — from what the probes saw and a file of
// takedown indicators.
//
// The indicator file (LoadIndicators, Load; an annotated copy of the
// researched reference file is embedded as Default) lists signatures: name
// server suffixes of seizure and sinkhole operators, their addresses, EPP
// statuses, registrar and registrant patterns and seizure-banner regexes,
// each with a state and a strength. Judge weighs the matches against a
// probe-independent Evidence and the previous verdict and returns a Verdict
// whose reasons name the evidence and the signature, so an analyst can check
// every conclusion.
//
// Rules the facts impose (see takedown-facts.md):
//   - A law-enforcement name server alone is not a seizure: anyone can point
//     a domain at ns1.seizedservers.com and get the banner (ICE, 2011). Seized
//     needs a corroborator: server-side locks newly set, a seizure banner, a
//     registrar or registrant change, or a registry/registrar NS mismatch.
//     Without one the state stays what the rest of the evidence says and the
//     verdict carries Suspect "seized".
//   - A re-registration is a new registry domain ID (ROID) or a later creation
//     date than the one stored; a transfer, a renewal or a restore from the
//     redemption grace period is not one.
//   - A failed probe is missing evidence, never evidence of removal: when the
//     evidence the previous state rests on is missing, the previous state is
//     kept unless the remaining evidence proves a state that outranks it.
package lifecycle
