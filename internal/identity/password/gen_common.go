//go:build ignore

// gen_common writes common_passwords.txt: the passwords people pick first,
// compiled from the widely published "most common passwords" rankings
// (SplashData/NordPass yearly lists, the RockYou and Have I Been Pwned top
// ranks, keyboard walks) and the patterns they are built from (a common word
// or name plus a number, a year or "!"; l33t spellings). Nothing is downloaded:
// the words are below. Run `go generate ./internal/identity/password`.
package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// top holds the well-known top ranks as they appear in the published lists.
var top = strings.Fields(`
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123
football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael
654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm
asdfgh hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000 charlie robert thomas
hockey ranger daniel starwars klaster 112233 george computer michelle jessica pepper 1111 zxcvbn 555555
11111111 131313 freedom 777777 pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer
love ashley nicole chelsea biteme matthew access yankees 987654321 dallas austin thunder taylor matrix
minecraft william corvette hello martin heather secret merlin diamond 1234qwer gfhjkm hammer silver
222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick internet scooter orange 11111 golfer
cookie richard samantha bigdog guitar jackson whatever mickey chicken sparky snoopy maverick phoenix
camaro peanut morgan welcome falcon cowboy ferrari samsung andrea smokey steelers joseph mercedes
dakota arsenal eagles melissa boomer booboo spider nascar monster tigers yellow xxxxxx 123123123
gateway marina diablo bulldog qwer1234 compaq purple hardcore banana junior hannah 123654 porsche
lakers iceman money cowboys 987654 london tennis 999999 ncc1701 coffee scooby 0000 miller boston
q1w2e3r4 brandon yamaha chester mother forever johnny edward 333333 oliver redsox player nikita knight
fender barney midnight please brandy chicago badboy slayer rangers charles angel flower rabbit wizard
bigdick jasper enter rachel chris steven winner adidas victoria natasha 1q2w3e4r jasmine winter
prince panties marine ghbdtn fishing cocacola casper james 232323 raiders 888888 marlboro gandalf
asdfasdf crystal 87654321 12344321 golden 8675309 panther lauren angela thx1138 angels madison
winston shannon mike toyota jordan23 canada sophie Password apples tiger legend coolman blowme
sierra nirvana vanessa tucker monica slipknot jonathan freddy jimmy alexander 1q2w3e 1qaz2wsx3edc
zaq12wsx zaq1zaq1 qazwsxedc qwerty123 qwerty1 password1 password123 passw0rd p@ssw0rd p@ssword
abc12345 iloveyou1 aa123456 123abc 1234abcd abcd1234 qwe123 asd123 zxc123 1q2w3e4r5t 1q2w3e4r5t6y
admin admin123 administrator root toor guest default changeme welcome1 welcome123 letmein1 login
user test123 testing demo sample qwertz azerty 123456a a123456 123456q 12qwaszx 1qazxsw2 qweasdzxc
qweasd asdzxc zxcasdqwe 147258369 147258 258369 159357 741852963 963852741 789456123 456789 1234561
12345qwert qwert12345 qwertyu asdfghjkl zxcvbnm123 1234567a 7654321 987654321a 0987654321 1234554321
11223344 1122334455 123454321 12341234 12121212 123412341234 qwertyqwerty passwordpassword
ilovemymom ilovemydog ilovemycat iloveyou2 iloveyoubaby iloveu loveyou lovely loveme lover
mypassword thisismypassword mypass nopassword secretpassword supersecret topsecret opensesame
letmeinplease trustnoone trustno1 correcthorsebatterystaple thequickbrownfox helloworld hellokitty
princess1 sunshine1 shadow1 monkey1 dragon1 football1 baseball1 superman1 batman1 michael1
charlie1 jessica1 ashley1 jordan1 hunter1 master1 soccer1 tigger1 killer1 buster1 pepper1 ginger1
changethis changeit changemenow whatever1 freedom1 starwars1 pokemon pikachu naruto goku sasuke
onepiece fortnite roblox minecraft1 zelda mario nintendo playstation xbox360 xbox gamer gaming
`)

// words are common bases of chosen passwords: first names, pets, teams, cars,
// brands, places, everyday words and fandoms; each is also combined with the
// usual suffixes below.
var words = strings.Fields(`
aaron abigail adam adrian alex alexis alice alicia allison amber amy andy angel angelina anna annie
anthony april ariana arthur ashley austin barbara beatrice becky ben benjamin bethany betty beverly
bianca billy blake bobby bonnie brad bradley brandon brenda brian brittany brooke bruce bryan caitlin
calvin cameron carl carlos carmen carol caroline carter catherine charlotte chelsea cheryl chloe
christian christina christine christopher cindy claire connor courtney crystal cynthia daisy dale
daniela danielle danny david dawn dean debbie deborah dennis derek destiny diana diane dominic donald
donna dorothy douglas dylan eddie elizabeth ella ellie emily emma eric erica erin ethan eva evelyn
frank gabriel gabriela gary gemma grace greg gregory hailey haley harry hayden helen henry holly
ian isabel isabella jack jacob jake jamie janet jason jeffrey jenny jeremy jerry jesse jesus jill
joanna jocelyn joe john jordan jose joy julia julian julie justin kaitlyn karen kate katherine
kathleen katie kayla keith kelly kenneth kevin kimberly kyle larry laura leah leo leon liam lily
linda lisa logan louis lucas lucy luke lydia madeline maria mark mary mason matt megan melanie
mia michael miguel mila molly nancy naomi natalie nathan nicholas noah olivia oscar paige pamela
patricia paul peter philip rebecca riley robin ronald rose ruby russell ryan sabrina sally sam
samuel sandra sara sarah scott sean sebastian sharon sheila simon sofia stephanie stephen steve
susan sydney tammy teresa tiffany timothy tina tommy tony tracy travis tyler valerie vanessa
veronica victor vincent walter wendy zachary zoe
bella buddy coco lola lucky luna max milo molly oreo rocky simba sophie teddy toby zeus bear
bandit biscuit blue bubbles charlie chloe cookie dusty gizmo jack jake kitty lady lucy misty muffin
nala oscar patches peanut pumpkin rascal roxy rusty sadie sam sammy shadow smokey snowball spike
sugar tiger trouble whiskers winnie
liverpool manchester manutd chelsea arsenal barcelona realmadrid juventus milan bayern celtic
rangers everton tottenham yankees redsox lakers celtics bulls knicks cowboys packers steelers
patriots eagles giants raiders broncos dolphins bears vikings saints ravens chiefs seahawks warriors
ferrari porsche mercedes bmw audi honda toyota nissan mazda subaru ford chevy chevrolet mustang
corvette camaro harley yamaha kawasaki suzuki ducati jeep tesla volvo
apple google facebook twitter instagram youtube netflix amazon microsoft windows linux samsung
iphone android nokia sony adidas nike puma gucci chanel cocacola pepsi starbucks
london paris berlin madrid rome moscow tokyo dubai chicago boston dallas houston texas california
florida miami vegas newyork brooklyn hollywood america canada mexico brazil germany france italy
spain england ireland scotland australia india china japan russia poland africa
love lovely loveyou iloveyou baby babygirl babyboy honey sweet sweetie sweetheart angel darling
princess prince queen king kingdom heaven hell devil god jesus christ faith hope peace freedom
destiny forever always family friend friends friendship happy happiness smile sunshine rainbow
butterfly flower flowers rose daisy lily summer winter spring autumn snow rain storm thunder
lightning fire water earth ocean river mountain forest sky star stars moon sun galaxy universe
magic dream dreams secret mystery shadow ghost demon dragon phoenix unicorn tiger lion wolf eagle
falcon hawk panther jaguar leopard cheetah monkey donkey horse pony kitten puppy doggy kitty
chicken turkey penguin dolphin shark whale bear teddy panda koala rabbit bunny hunter killer
soldier warrior ninja samurai pirate viking knight wizard legend hero master champion winner
loser player gamer hacker coder admin root super superman batman spiderman ironman hulk thor
captain marvel avengers starwars jedi yoda vader skywalker starwars startrek matrix neo trinity
harrypotter hogwarts gandalf frodo hobbit zelda mario luigi pokemon pikachu sonic tetris pacman
minecraft fortnite roblox naruto goku sasuke bleach onepiece hellokitty barbie disney mickey
football baseball basketball soccer hockey tennis golf boxing wrestling skate surf fishing hunting
music guitar piano drums rock metal punk rocknroll hiphop rapper eminem beyonce rihanna madonna
elvis beatles nirvana metallica slipknot linkinpark coldplay
money cash dollar rich lucky fortune diamond gold golden silver crystal platinum
coffee chocolate cookie cookies candy cupcake banana apple orange lemon cherry strawberry peach
pizza pasta burger cheese butter pepper ginger vanilla caramel honey sugar spicy
black white red blue green yellow purple pink orange brown silver grey
computer internet laptop desktop keyboard mouse monitor system network server database security
password passw0rd welcome letmein access login logon default changeme secret private personal
qwerty asdf zxcv hello hiya howdy goodbye thanks please sorry whatever nothing something
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december
school college student teacher doctor nurse police fireman mother father sister brother daughter
mommy daddy mama papa grandma grandpa husband wife girlfriend boyfriend bestfriend
movie movies cinema film films marquee netflix stream streaming popcorn
`)

// suffixes are what people add to a word to pass a length or digit rule.
var suffixes = strings.Fields(`1 2 3 7 12 13 21 22 23 69 77 88 99 00 01 007 11 111 123 1234 12345 123456
1234567 12345678 123456789 1234567890 321 ! !! !!! 1! 12! 123! 1234! @123 #1 $ 2k 4ever 4life 01!`)

var leet = strings.NewReplacer("a", "@", "o", "0", "e", "3", "i", "1", "s", "$")

var keyboard = strings.Fields(`
qwertyuiop qwertyuiop[] asdfghjkl asdfghjkl; zxcvbnm zxcvbnm,./ qwertyuiopasdfghjklzxcvbnm
1qaz2wsx3edc 1qaz2wsx3edc4rfv 1qaz2wsx3edc4rfv5tgb qazwsxedcrfv qazwsxedcrfvtgb zaq12wsxcde3
zaq1xsw2cde3 !qaz2wsx !qaz@wsx 1qaz@wsx 1q2w3e4r5t6y7u8i9o0p q1w2e3r4t5y6 q1w2e3r4t5y6u7i8o9p0
1a2b3c4d5e 1a2s3d4f5g a1b2c3d4e5 a1s2d3f4g5 qwerty12345 qwerty123456 qwerty1234567890 asdf1234
asdfghjkl123 zxcvbnm123456 qweasdzxc123 123qweasdzxc 1234qwerasdf 1234qwerasdfzxcv qwer1234asdf
poiuytrewq lkjhgfdsa mnbvcxz 0987654321 0987654321qwerty 147852369 1472583690 3692581470
9876543210 0123456789 01234567890 12345678910 1234567891 12345678900 1234567899 11111111111
abcdefghij abcdefghijk abcdefghijkl abcdefghijklmnopqrstuvwxyz abcdefg123 abcdef1234 abcde12345
abc123456789 abc1234567 abcabcabc 123abc123abc abc123abc123 aabbccddee 1a2b3c4d 12345abcde
`)

func main() {
	set := map[string]struct{}{}
	add := func(s string) { set[strings.ToLower(s)] = struct{}{} }
	for _, s := range top {
		add(s)
	}
	for _, s := range keyboard {
		add(s)
	}
	for _, w := range words {
		add(w)
		add(w + "123") // the checker also strips such endings; the list keeps the commonest
		add(w + "1")
	}
	for _, w := range top[:80] {
		add(w)
		if _, err := fmt.Sscan(w, new(int)); err == nil {
			continue // numbers get no suffixes
		}
		for _, s := range suffixes {
			add(w + s)
		}
		add(w + w)
	}
	// years on the most common bases
	for _, w := range top[:30] {
		if _, err := fmt.Sscan(w, new(int)); err == nil {
			continue
		}
		for y := 1960; y <= 2030; y++ {
			add(fmt.Sprintf("%s%d", w, y))
		}
		add(leet.Replace(w))
		add(leet.Replace(w) + "1")
		add(leet.Replace(w) + "123")
		add(leet.Replace(w) + "!")
	}
	// digit runs and repeats
	for d := '0'; d <= '9'; d++ {
		for n := 6; n <= 16; n++ {
			add(strings.Repeat(string(d), n))
		}
	}
	for c := 'a'; c <= 'z'; c++ {
		for n := 6; n <= 12; n++ {
			add(strings.Repeat(string(c), n))
		}
	}
	for _, p := range []string{"12", "123", "1234", "12345", "abc", "ab", "qwe", "asd", "love", "qwerty", "pass"} {
		for n := 2; len(p)*n <= 16; n++ {
			add(strings.Repeat(p, n))
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	body := "# Common passwords (generated by gen_common.go; do not edit). One per line, lower-case.\n" + strings.Join(out, "\n") + "\n"
	if err := os.WriteFile("common_passwords.txt", []byte(body), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(len(out), "passwords")
}
