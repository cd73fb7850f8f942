// The environment handed to the programs we start (receive --exec, send --tar's tar): ours
// without the secrets we read from it. A hook script has no business with the account password
// or the component secret, and a child that logs its environment would leak them.
const SECRETS = ['XEP65_PASSWORD', 'XEP65_COMPONENT_SECRET'] as const;

export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of SECRETS) delete copy[name];
  return copy;
}
