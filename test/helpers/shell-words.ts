/**
 * The words a shell would pass to commands, as far as the guidance's commands go: quotes
 * removed ('...', "...", $'...'), split on blanks and operators, command substitutions
 * `$(...)` split into their own words (also inside double quotes). Enough to ask "does a
 * command receive this value as a word of its own?", which is what makes a value an option.
 */
export function shellWords(script: string): string[] {
  const words: string[] = [];
  let i = 0;

  const lexWords = (untilParen: boolean): void => {
    let word = '';
    let inWord = false;
    const end = () => {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    };
    while (i < script.length) {
      const c = script[i]!;
      if (c === '\\' && i + 1 < script.length) {
        if (script[i + 1] !== '\n') {
          word += script[i + 1];
          inWord = true;
        }
        i += 2;
        continue;
      }
      if (c === "'") {
        const close = script.indexOf("'", i + 1);
        const stop = close === -1 ? script.length : close;
        word += script.slice(i + 1, stop);
        inWord = true;
        i = stop + 1;
        continue;
      }
      if (c === '$' && script[i + 1] === "'") {
        i += 2;
        while (i < script.length && script[i] !== "'") {
          if (script[i] === '\\') i++;
          word += script[i] ?? '';
          i++;
        }
        inWord = true;
        i++;
        continue;
      }
      if (c === '"') {
        i++;
        inWord = true;
        while (i < script.length && script[i] !== '"') {
          if (script[i] === '\\' && i + 1 < script.length) {
            word += script[i + 1];
            i += 2;
          } else if (script[i] === '$' && script[i + 1] === '(') {
            i += 2;
            lexWords(true);
            word += '$(…)';
          } else {
            word += script[i];
            i++;
          }
        }
        i++;
        continue;
      }
      if (c === '$' && script[i + 1] === '(') {
        end();
        i += 2;
        lexWords(true);
        continue;
      }
      if (c === ')' && untilParen) {
        end();
        i++;
        return;
      }
      if (c === '#' && !inWord) {
        while (i < script.length && script[i] !== '\n') i++;
        continue;
      }
      if (/\s/.test(c) || '|;&()<>'.includes(c)) {
        end();
        i++;
        continue;
      }
      word += c;
      inWord = true;
      i++;
    }
    end();
  };

  lexWords(false);
  return words;
}
