package bfcl

import (
	"encoding/json"
	"testing"

	"github.com/realx-bench/realx/runners/pycall"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// step is one call of a class table test and the text BFCL's executor writes for it.
type step struct {
	call string
	want string
}

// runSteps loads class from scenario and runs the steps' calls (written in Python, as the
// gold answers are) in order, checking each result.
func runSteps(t *testing.T, class, scenario string, long bool, steps []step) *Entry {
	t.Helper()
	st, _ := json.Marshal(map[string]any{"involved_classes": []string{class},
		"initial_config": map[string]json.RawMessage{class: json.RawMessage(scenario)}, "long_context": long})
	e, err := NewEntry(st)
	require.NoError(t, err)
	for i, s := range steps {
		got, _, err := e.RunPy(s.call)
		require.NoError(t, err)
		assert.Equal(t, s.want, got, "step %d: %s", i, s.call)
	}
	return e
}

const fsScenario = `{"root": {"alex": {"type": "directory", "contents": {
  "notes.txt": {"type": "file", "content": "beta line\nalpha line\nbudget analysis"},
  "old.txt": {"type": "file", "content": "beta line\nalpha"},
  "docs": {"type": "directory", "contents": {}}}}}}`

// TestFileSystem checks GorillaFileSystem's methods against the published behaviour: results
// as dicts written by json.dumps, None for mkdir and touch, errors as dicts, Python's
// TypeErrors for bad calls.
func TestFileSystem(t *testing.T) {
	runSteps(t, "GorillaFileSystem", fsScenario, false, []step{
		{"pwd()", `{"current_working_directory": "/alex"}`},
		{"ls()", `{"current_directory_content": ["notes.txt", "old.txt", "docs"]}`},
		{"mkdir(dir_name='tmp')", "None"},
		{"mkdir(dir_name='tmp')", `{"error": "mkdir: cannot create directory 'tmp': File exists"}`},
		{"mkdir(dir_name='a/b')", `{"error": "mkdir: cannot create directory 'a/b': Invalid character"}`},
		{"touch('x.txt')", "None"},
		{"echo(content='hi')", `{"terminal_output": "hi"}`},
		{"echo(content='hello', file_name='x.txt')", "None"},
		{"cat(file_name='x.txt')", `{"file_content": "hello"}`},
		{"cat(file_name='docs')", `{"error": "cat: docs: Is a directory"}`},
		{"cat(file_name='nope')", `{"error": "cat: nope: No such file or directory"}`},
		{"grep(file_name='notes.txt', pattern='line')", `{"matching_lines": ["beta line", "alpha line"]}`},
		{"sort('notes.txt')", `{"sorted_content": "alpha line\nbeta line\nbudget analysis"}`},
		{"wc(file_name='notes.txt', mode='w')", `{"count": 6, "type": "words"}`},
		{"wc(file_name='notes.txt', mode='x')", `{"error": "wc: invalid mode 'x'"}`},
		{"tail(file_name='notes.txt', lines=1)", `{"last_lines": "budget analysis"}`},
		{"diff(file_name1='notes.txt', file_name2='old.txt')", `{"diff_lines": "- alpha line\n+ alpha"}`},
		{"du()", `{"disk_usage": "56 bytes"}`},
		{"du(human_readable=True)", `{"disk_usage": "56.00 B"}`},
		{"find(name='txt')", `{"matches": ["./notes.txt", "./old.txt", "./x.txt"]}`},
		{"mv(source='x.txt', destination='docs')", `{"result": "'x.txt' moved to 'docs/x.txt'"}`},
		{"cp(source='old.txt', destination='copy.txt')", `{"result": "'old.txt' copied to 'copy.txt'"}`},
		{"mv(source='old.txt', destination='a/b')", `{"error": "mv: no path allowed in destination. Only file name and folder name is supported for this operation."}`},
		{"rmdir(dir_name='docs')", `{"error": "rmdir: failed to remove 'docs': Directory not empty"}`},
		{"rm(file_name='copy.txt')", `{"result": "'copy.txt' removed"}`},
		{"cd(folder='docs')", `{"current_working_directory": "docs"}`},
		{"cd(folder='..')", `{}`},
		{"cd(folder='..')", `{"error": "Cuurent directory is already the root. Cannot go back."}`},
		{"cd(folder='nowhere')", `{"error": "cd: nowhere: No such directory. You cannot use path to change directory."}`},
		{"cd()", "Error during execution: GorillaFileSystem.cd() missing 1 required positional argument: 'folder'"},
		{"ls(b=True)", "Error during execution: GorillaFileSystem.ls() got an unexpected keyword argument 'b'"},
		{"chmod(file='x')", "Error during execution: name 'chmod' is not defined"},
	})
}

// TestFileSystemLongContext checks the long-context filler: file contents extended (except
// the files BFCL's tail tests use) and the innermost directories populated.
func TestFileSystemLongContext(t *testing.T) {
	e := runSteps(t, "GorillaFileSystem", fsScenario, true, nil)
	fs := e.inst["GorillaFileSystem"].(*fileSystem)
	notes := fs.root.contents.items["notes.txt"].(*fsFile)
	assert.Greater(t, len(notes.content), 1000)
	assert.Equal(t, "budget analysis"+longContext("FILE_CONTENT_EXTENSION").(string), notes.content[len("beta line\nalpha line\n"):])
	docs := fs.root.contents.items["docs"].(*fsDir)
	assert.Len(t, docs.contents.names, len(longContext("POPULATE_FILE_EXTENSION").([]any)))
	assert.Equal(t, true, fs.State()["long_context"])
}

// TestMathAPI checks MathAPI's results keep Python's types (an int sum stays an int, division
// gives a float) and its errors.
func TestMathAPI(t *testing.T) {
	runSteps(t, "MathAPI", `{}`, false, []step{
		{"add(a=2, b=3)", `{"result": 5}`},
		{"add(a=2.5, b=3)", `{"result": 5.5}`},
		{"add(a=2, b='x')", `{"error": "Both inputs must be numbers"}`},
		{"subtract(a=10, b=0.5)", `{"result": 9.5}`},
		{"multiply(a=4, b=2.5)", `{"result": 10.0}`},
		{"divide(a=1, b=4)", `{"result": 0.25}`},
		{"divide(a=1, b=0)", `{"error": "Cannot divide by zero"}`},
		{"power(base=2, exponent=10)", `{"result": 1024}`},
		{"power(base=2, exponent=-1)", `{"result": 0.5}`},
		{"mean(numbers=[1, 2, 3, 4])", `{"result": 2.5}`},
		{"mean(numbers=[])", `{"error": "Cannot calculate mean of an empty list"}`},
		{"standard_deviation(numbers=[2, 4, 4, 4, 5, 5, 7, 9])", `{"result": 2.0}`},
		{"sum_values(numbers=[1, 2, 3])", `{"result": 6}`},
		{"min_value(numbers=[3, 1.5, 2])", `{"result": 1.5}`},
		{"max_value(numbers=[3, 1.5, 2])", `{"result": 3}`},
		{"absolute_value(number=-7)", `{"result": 7}`},
		{"round_number(number=3.14159, decimal_places=2)", `{"result": 3.14}`},
		{"round_number(number=2.5)", `{"result": 2.0}`},
		{"percentage(part=1, whole=8)", `{"result": 12.5}`},
		{"percentage(part=1, whole=0)", `{"error": "Whole value cannot be zero"}`},
		{"si_unit_conversion(value=5, unit_in='km', unit_out='m')", `{"result": 5000.0}`},
		{"si_unit_conversion(value=5, unit_in='km', unit_out='ly')", `{"error": "Conversion from 'km' to 'ly' is not supported"}`},
		{"imperial_si_conversion(value=100, unit_in='celsius', unit_out='fahrenheit')", `{"result": 212.0}`},
		{"imperial_si_conversion(value=3, unit_in='m', unit_out='m')", `{"result": 3}`},
		{"square_root(number=16, precision=10)", `{'result': Decimal('4')}`},
		{"square_root(number=2, precision=5)", `{'result': Decimal('1.4142')}`},
		{"square_root(number=-1, precision=5)", `{"error": "Cannot calculate square root of a negative number"}`},
		{"logarithm(value=8, base=2, precision=10)", `{'result': mpf('3.000000000029')}`},
	})
}

const msgScenario = `{"user_count": 2, "user_map": {"Ann": "USR001", "Ben": "USR002"},
  "inbox": [{"USR002": "Hello Ben"}], "message_count": 1, "current_user": null}`

// TestMessageAPI checks MessageAPI: login, the seeded message IDs (CPython's Mersenne Twister
// from seed 200191), the inbox and its errors.
func TestMessageAPI(t *testing.T) {
	e := runSteps(t, "MessageAPI", msgScenario, false, []step{
		{"send_message(receiver_id='USR002', message='hi')", `{"error": "No user is currently logged in."}`},
		{"message_login(user_id='USR009')", `{"login_status": false, "message": "User ID 'USR009' not found."}`},
		{"message_login('USR001')", `{"login_status": true, "message": "User 'USR001' logged in successfully."}`},
		{"get_user_id(user='Ben')", `{"user_id": "USR002"}`},
		{"get_user_id(user='Zed')", `{"error": "User 'Zed' not found in the workspace."}`},
		{"send_message(receiver_id='USR002', message='hi')", `{"sent_status": true, "message_id": {"new_id": 67410}, "message": "Message sent to 'USR002' successfully."}`},
		{"send_message(receiver_id='USR002', message='again')", `{"sent_status": true, "message_id": {"new_id": 41772}, "message": "Message sent to 'USR002' successfully."}`},
		{"view_messages_sent()", `{"messages": {"USR002": ["Hello Ben", "hi", "again"]}}`},
		{"search_messages(keyword='HELLO')", `{"results": [{"receiver_id": "USR002", "message": "Hello Ben"}]}`},
		{"delete_message(receiver_id='USR002')", `{"deleted_status": true, "message_id": "USR002", "message": "Receiver USR002's first message deleted successfully."}`},
		{"delete_message(receiver_id='USR002', message_id=1)", "Error during execution: MessageAPI.delete_message() got an unexpected keyword argument 'message_id'"},
		{"get_message_stats()", `{"stats": {"received_count": 2, "total_contacts": 1}}`},
		{"add_contact(user_name='Cat')", `{"added_status": true, "user_id": "USR003", "message": "Contact 'Cat' added successfully."}`},
		{"add_contact(user_name='Cat')", `{"error": "User name 'Cat' already exists."}`},
		{"list_users()", `{"user_list": ["Ann", "Ben", "Cat"]}`},
	})
	st := e.inst["MessageAPI"].State()
	assert.Equal(t, []int{41772, 67410}, st["generated_ids"])
	assert.Equal(t, 3, st["message_count"])
}

const twScenario = `{"username": "ann", "password": "pw", "authenticated": false,
  "tweets": {"0": {"id": 0, "username": "ann", "content": "First post #go", "tags": ["#go"], "mentions": []}},
  "comments": {}, "retweets": {}, "following_list": ["bob"], "tweet_counter": 1}`

// TestTwitterAPI checks TwitterAPI: authentication, posting under the counter's ID, retweets,
// comments (whose unauthenticated path raises a dict, which Python refuses), follows.
func TestTwitterAPI(t *testing.T) {
	runSteps(t, "TwitterAPI", twScenario, false, []step{
		{"post_tweet(content='x')", `{"error": "User not authenticated. Please authenticate before posting."}`},
		{"comment(tweet_id=0, comment_content='c')", "Error during execution: exceptions must derive from BaseException"},
		{"authenticate_twitter(username='ann', password='bad')", `{"authentication_status": false}`},
		{"authenticate_twitter(username='ann', password='pw')", `{"authentication_status": true}`},
		{"post_tweet('Second', tags=['#a'], mentions=['@b'])", `{"id": 1, "username": "ann", "content": "Second", "tags": ["#a"], "mentions": ["@b"]}`},
		{"retweet(tweet_id=0)", `{"retweet_status": "Successfully retweeted"}`},
		{"retweet(tweet_id=0)", `{"retweet_status": "Already retweeted"}`},
		{"retweet(tweet_id=9)", `{"error": "Tweet with ID 9 not found."}`},
		{"comment(tweet_id=1, comment_content='nice')", `{"comment_status": "Comment added successfully"}`},
		{"get_tweet_comments(tweet_id=1)", `[{'username': 'ann', 'content': 'nice'}]`},
		{"mention(tweet_id=1, mentioned_usernames=['@c'])", `{"mention_status": "Users mentioned successfully"}`},
		{"get_tweet(tweet_id=1)", `{"id": 1, "username": "ann", "content": "Second", "tags": ["#a"], "mentions": ["@b", "@c"]}`},
		{"search_tweets(keyword='#GO')", `[{'id': 0, 'username': 'ann', 'content': 'First post #go', 'tags': ['#go'], 'mentions': []}]`},
		{"follow_user(username_to_follow='bob')", `{"follow_status": false}`},
		{"follow_user(username_to_follow='cy')", `{"follow_status": true}`},
		{"list_all_following()", `['bob', 'cy']`},
		{"unfollow_user(username_to_unfollow='zz')", `{"unfollow_status": false}`},
		{"get_user_stats(username='ann')", `{"tweet_count": 2, "following_count": 2, "retweet_count": 1}`},
	})
}

// TestFormatResult checks the executor's writing of results: json.dumps for dicts (non-ASCII
// escaped, floats as repr), str() for lists and None.
func TestFormatResult(t *testing.T) {
	assert.Equal(t, `{"a": "caf\u00e9", "b": 1e-05, "c": [1.0, null]}`, FormatResult(dict("a", "café", "b", 1e-05, "c", []any{1.0, nil})))
	assert.Equal(t, `["it's", 'x']`, FormatResult([]any{"it's", "x"}))
	assert.Equal(t, "None", FormatResult(nil))
	assert.Equal(t, "1e+16", pycall.ReprFloat(1e16))
	assert.Equal(t, "123.0", pycall.ReprFloat(123))
}
