package org.pkt4j.demo;

import java.util.List;
import org.pkt4j.demo.Lexicon.Person;
import org.pkt4j.demo.Lexicon.Thing;

/**
 * GSM8K-style word problems over small integers: two or three operations, names, things and verbs drawn
 * from {@link Lexicon}, and an answer that writes every intermediate equation ("3 x 4 = 12") before
 * "So the answer is N." — the layout of the shipped GSM splits. Numbers stay small (factors up to 12, sums
 * below a few hundred, exact divisions) so that a model of a few million parameters can learn the steps.
 */
public final class ArithmeticProblems {
    private ArithmeticProblems() {
    }

    /** The user message's fixed opening, as in the shipped GSM splits. */
    public static final String PROMPT = "Answer the following question.\n\nQuestion: ";

    /** A problem: the question (without the prompt's opening) and the worked answer ending "So the answer is N.". */
    public record Problem(String question, String answer, int result) {
        public String user() {
            return PROMPT + question;
        }
    }

    private interface Template {
        Problem make(DemoRandom rng);
    }

    private static final List<Template> TEMPLATES = List.of(
            ArithmeticProblems::gainThenGive,
            ArithmeticProblems::containersThenLose,
            ArithmeticProblems::sellThenSpend,
            ArithmeticProblems::twoDaysThenShare,
            ArithmeticProblems::timesThenFewer,
            ArithmeticProblems::moreThanThenTotal,
            ArithmeticProblems::twoPurchases,
            ArithmeticProblems::halfThenGain,
            ArithmeticProblems::saveThenBuy,
            ArithmeticProblems::bakeSellPack);

    /** Number of templates (problems are spread evenly over them). */
    public static int templateCount() {
        return TEMPLATES.size();
    }

    /** A problem from a template chosen uniformly. */
    public static Problem next(DemoRandom rng) {
        return TEMPLATES.get(rng.nextInt(TEMPLATES.size())).make(rng);
    }

    private static Problem gainThenGive(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE), q = other(rng, p);
        Thing t = rng.pick(Lexicon.THINGS);
        int a = rng.between(5, 40), b = rng.between(2, 30), s = a + b, c = rng.between(1, s - 1), r = s - c;
        String question = p.name() + " has " + a + " " + t.many() + ". " + p.He() + " " + rng.pick(Lexicon.GAIN_VERBS)
                + " " + b + " more " + t.many() + " and then gives " + c + " of them to " + q.name() + ". How many "
                + t.many() + " does " + p.name() + " have now?";
        String answer = p.name() + " has " + eq(a, "+", b, s) + " " + t.many() + ". After giving " + c + " to "
                + q.name() + ", " + p.he() + " has " + eq(s, "-", c, r) + " " + t.many() + " left.";
        return problem(question, answer, r);
    }

    private static Problem containersThenLose(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE);
        Thing t = rng.pick(Lexicon.THINGS), box = rng.pick(Lexicon.CONTAINERS);
        int a = rng.between(2, 9), b = rng.between(2, 12), n = a * b, c = rng.between(1, n - 1), r = n - c;
        String lose = rng.pick(Lexicon.LOSE_VERBS);
        String question = p.name() + " has " + a + " " + box.many() + " of " + t.many() + ". Each " + box.one()
                + " holds " + b + " " + t.many() + ". " + p.He() + " " + lose + " " + c + " " + t.many()
                + ". How many " + t.many() + " does " + p.name() + " have left?";
        String answer = p.name() + " has " + eq(a, "x", b, n) + " " + t.many() + ". After " + p.he() + " " + lose
                + " " + c + ", " + p.he() + " has " + eq(n, "-", c, r) + " " + t.many() + " left.";
        return problem(question, answer, r);
    }

    private static Problem sellThenSpend(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE);
        Thing sold = rng.pick(Lexicon.PRICED), bought = rng.pick(Lexicon.PRICED);
        int a = rng.between(2, 12), b = rng.between(2, 10), n = a * b, c = rng.between(1, n - 1), r = n - c;
        String question = p.name() + " sells " + a + " " + sold.many() + " for $" + b + " each. Then " + p.he()
                + " spends $" + c + " on " + Lexicon.article(bought.one()) + " " + bought.one()
                + ". How much money does " + p.name() + " have left?";
        String answer = p.name() + " earns " + money(a, "x", b, n) + ". After spending $" + c + ", " + p.he()
                + " has " + money(n, "-", c, r) + " left.";
        return problem(question, answer, r);
    }

    private static Problem twoDaysThenShare(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE);
        Thing t = rng.pick(Lexicon.THINGS);
        int friends = rng.between(2, 9), each = rng.between(2, 12), s = friends * each;
        int a = rng.between(1, s - 1), b = s - a;
        int day = rng.nextInt(Lexicon.DAYS.size() - 1);
        String question = p.name() + " " + rng.pick(Lexicon.GAIN_VERBS) + " " + a + " " + t.many() + " on "
                + Lexicon.DAYS.get(day) + " and " + b + " " + t.many() + " on " + Lexicon.DAYS.get(day + 1) + ". "
                + p.He() + " shares them equally among " + friends + " friends. How many " + t.many()
                + " does each friend get?";
        String answer = p.name() + " has " + eq(a, "+", b, s) + " " + t.many() + " in total. Each friend gets "
                + eq(s, "/", friends, each) + " " + t.many() + ".";
        return problem(question, answer, each);
    }

    private static Problem timesThenFewer(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE), q = other(rng, p), r = other(rng, p, q);
        Thing t = rng.pick(Lexicon.THINGS);
        int a = rng.between(2, 12), times = rng.between(2, 5), qn = a * times, fewer = rng.between(1, qn - 1);
        int rn = qn - fewer, total = a + qn + rn;
        String question = p.name() + " has " + a + " " + t.many() + ". " + q.name() + " has " + times
                + " times as many " + t.many() + " as " + p.name() + ". " + r.name() + " has " + fewer + " fewer "
                + t.many() + " than " + q.name() + ". How many " + t.many() + " do they have in total?";
        String answer = q.name() + " has " + eq(a, "x", times, qn) + " " + t.many() + ". " + r.name() + " has "
                + eq(qn, "-", fewer, rn) + " " + t.many() + ". Together they have " + a + " + " + qn + " + " + rn
                + " = " + total + " " + t.many() + ".";
        return problem(question, answer, total);
    }

    private static Problem moreThanThenTotal(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE);
        int day = rng.nextInt(Lexicon.DAYS.size() - 1);
        String d1 = Lexicon.DAYS.get(day), d2 = Lexicon.DAYS.get(day + 1);
        String[] acts = rng.pick(List.of(
                new String[] {"reads", "pages"}, new String[] {"walks", "miles"}, new String[] {"writes", "lines"},
                new String[] {"swims", "laps"}, new String[] {"paints", "pictures"}, new String[] {"bakes", "cakes"}));
        int a = rng.between(3, 40), more = rng.between(2, 30), b = a + more, total = a + b;
        String question = p.name() + " " + acts[0] + " " + a + " " + acts[1] + " on " + d1 + ". On " + d2 + ", "
                + p.he() + " " + acts[0] + " " + more + " more " + acts[1] + " than on " + d1 + ". How many "
                + acts[1] + " does " + p.name() + " " + acts[0].substring(0, acts[0].length() - 1)
                + " in the two days?";
        String answer = "On " + d2 + ", " + p.name() + " " + acts[0] + " " + eq(a, "+", more, b) + " " + acts[1]
                + ". In the two days, " + p.he() + " " + acts[0] + " " + eq(a, "+", b, total) + " " + acts[1] + ".";
        return problem(question, answer, total);
    }

    private static Problem twoPurchases(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE);
        Thing x = rng.pick(Lexicon.PRICED), y = other(rng, x);
        int a = rng.between(2, 9), pa = rng.between(2, 12), b = rng.between(2, 9), pb = rng.between(2, 12);
        int ca = a * pa, cb = b * pb, total = ca + cb;
        String question = p.name() + " buys " + a + " " + x.many() + " for $" + pa + " each and " + b + " "
                + y.many() + " for $" + pb + " each. How much does " + p.name() + " spend in total?";
        String answer = "The " + x.many() + " cost " + money(a, "x", pa, ca) + ". The " + y.many() + " cost "
                + money(b, "x", pb, cb) + ". In total " + p.name() + " spends " + moneySum(ca, cb, total) + ".";
        return problem(question, answer, total);
    }

    private static Problem halfThenGain(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE), q = other(rng, p);
        Thing t = rng.pick(Lexicon.THINGS);
        int a = 2 * rng.between(2, 25), h = a / 2, b = rng.between(2, 30), r = h + b;
        String question = p.name() + " has " + a + " " + t.many() + ". " + p.He() + " gives half of them to "
                + q.name() + ", and then " + p.he() + " " + rng.pick(Lexicon.GAIN_VERBS) + " " + b + " more. How many "
                + t.many() + " does " + p.name() + " have now?";
        String answer = "Half of " + a + " is " + eq(a, "/", 2, h) + ". Then " + p.name() + " has " + eq(h, "+", b, r)
                + " " + t.many() + ".";
        return problem(question, answer, r);
    }

    private static Problem saveThenBuy(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE);
        Thing x = rng.pick(Lexicon.PRICED);
        int weekly = rng.between(2, 12), weeks = rng.between(2, 9), saved = weekly * weeks;
        int cost = rng.between(1, saved - 1), r = saved - cost;
        String question = p.name() + " saves $" + weekly + " every week. After " + weeks + " weeks, " + p.he()
                + " buys " + Lexicon.article(x.one()) + " " + x.one() + " for $" + cost + ". How much money does "
                + p.name() + " have left?";
        String answer = p.name() + " saves " + weeks + " x $" + weekly + " = $" + saved + ". After buying the "
                + x.one() + ", " + p.he() + " has " + money(saved, "-", cost, r) + " left.";
        return problem(question, answer, r);
    }

    private static Problem bakeSellPack(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE);
        int trays = rng.between(2, 6), perTray = rng.between(4, 12), made = trays * perTray;
        int box = rng.between(2, 6), boxes = rng.between(1, (made - 1) / box), rest = box * boxes, sold = made - rest;
        String food = rng.pick("muffins", "cupcakes", "cookies", "rolls", "buns", "tarts");
        String question = p.name() + " bakes " + trays + " trays of " + food + " with " + perTray + " " + food
                + " on each tray. " + p.He() + " sells " + sold + " of them and packs the rest into boxes of " + box
                + ". How many boxes does " + p.he() + " fill?";
        String answer = p.name() + " bakes " + eq(trays, "x", perTray, made) + " " + food + ". " + p.He() + " has "
                + eq(made, "-", sold, rest) + " " + food + " left to pack. That fills " + eq(rest, "/", box, boxes)
                + " boxes.";
        return problem(question, answer, boxes);
    }

    private static Problem problem(String question, String steps, int result) {
        return new Problem(question, "Answer: " + steps + " So the answer is " + result + ".", result);
    }

    private static String eq(int a, String op, int b, int c) {
        return a + " " + op + " " + b + " = " + c;
    }

    private static String money(int a, String op, int b, int c) {
        String left = op.equals("x") ? a + " x $" + b : "$" + a + " " + op + " $" + b;
        return left + " = $" + c;
    }

    private static String moneySum(int a, int b, int c) {
        return "$" + a + " + $" + b + " = $" + c;
    }

    /** A person of the lexicon other than {@code not}. */
    private static Person other(DemoRandom rng, Person... not) {
        while (true) {
            Person p = rng.pick(Lexicon.PEOPLE);
            if (!List.of(not).contains(p)) {
                return p;
            }
        }
    }

    /** A priced thing other than {@code not}. */
    private static Thing other(DemoRandom rng, Thing not) {
        while (true) {
            Thing t = rng.pick(Lexicon.PRICED);
            if (!t.equals(not)) {
                return t;
            }
        }
    }
}
