// Private to guard: the lexer and parser for POSIX sh plus the bash forms agents use. It turns
// a command line into the simple commands it contains (in execution order), with quote removal
// and expansion of variables whose value is known, and records what feeds each command's stdin.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cs::guard::shell {

struct Word {
  std::string text;      // after quote removal; unknown expansions are kept as "$NAME" / "$(...)"
  bool dynamic = false;  // contains an expansion whose value is not known
  bool glob = false;     // contains an unquoted * ? or [
  bool quoted = false;   // some part of it was quoted or escaped
};

// What a command reads on stdin.
enum class Input { terminal, literal, pipe, file, dynamic };

struct Command {
  std::vector<std::pair<std::string, Word>> assigns;  // VAR=value before the command
  std::vector<Word> words;
  Input input = Input::terminal;
  std::string stdin_text;  // Input::literal: heredoc body / here-string / output of echo|printf
  bool stdin_dynamic = false;  // the literal holds expansions whose value is unknown
  std::string stdin_file;  // Input::file: `< file`
  int pipe_from = -1;      // index of the command whose stdout feeds this one (Input::pipe)
  std::vector<std::string> output_files;  // > file, >> file
  bool in_substitution = false;  // inside $( ) / backticks / <( )
};

struct Parse {
  std::vector<Command> commands;
  std::vector<std::string> errors;  // malformed input: unterminated quote, unbalanced ( ...
};

// Variables known before parsing (the agent's environment). Assignments in the script update
// a copy: `X=rm; $X -rf /` resolves; `X=$(cmd)` makes X unknown.
Parse parse(std::string_view script, const std::map<std::string, std::string>& env);

}  // namespace cs::guard::shell
