# ruff: noqa: E501  (the phrasings below are kept one to a line, as a table)
"""Work, program, referral, psychology, plan and medication-risk predicates, answered from
the records (findings/{work,programs,referrals,psychology,plans,care_needs,sleep,
medication_risk}.yaml, intake/facts/work.py), in phrasings of our own."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.intake.case_file import intake_case
from openimr.intake.facts.extract import extract_facts
from openimr.intake.requests import parse_request
from openimr.model import Case
from openimr.pack.answers import Predicates
from openimr.review.engine import default_pack
from tests.conftest import predicate_answer

ON = dt.date(2016, 6, 1)


def answer(predicate: str, text: str, request: str):
    return predicate_answer(predicate, text, request, ON)


WC = "Work conditioning 10 sessions"
FRP = "Functional restoration program 10 days"
FCE = "Functional capacity evaluation"
GYM = "Gym membership 6 months"
MRI = "Lumbar MRI"
SCS = "Spinal cord stimulator trial"

CASES = [
    # job demand against capacity
    (
        "job_demand_medium_or_higher",
        WC,
        "He hangs drywall; the job is rated heavy, with 90-pound sheets to carry. Per the FCE he can safely handle 20 pounds.",
        True,
    ),
    (
        "job_demand_medium_or_higher",
        WC,
        "She works as a data entry clerk, a sedentary position.",
        False,
    ),
    (
        "job_demand_medium_or_higher",
        WC,
        "Usual occupation: welder. FCE shows he meets all job demands.",
        False,
    ),
    ("job_demand_medium_or_higher", WC, "Occupation: welder.", None),
    ("job_demand_medium_or_higher", WC, "She is a cashier.", None),
    # return-to-work plan
    (
        "return_to_work_goal",
        WC,
        "Her employer has offered her a light-duty position in the tool crib, which she accepted.",
        True,
    ),
    ("return_to_work_goal", WC, "He was laid off in March and has no job to go back to.", False),
    ("return_to_work_goal", WC, "Goal is to return to work.", None),
    # tolerance for a program
    (
        "able_to_participate_program",
        WC,
        "She can tolerate six hours of activity daily, five days a week.",
        True,
    ),
    (
        "able_to_participate_program",
        WC,
        "He tolerates only one hour of activity before he must rest.",
        False,
    ),
    (
        "able_to_participate_program",
        WC,
        "Request: work conditioning 4 hours a day, 3 days a week.",
        None,
    ),
    # a program already completed, compared with the request
    (
        "prior_same_program",
        FRP,
        "He completed a functional restoration program in 2014 for this back injury.",
        True,
    ),
    ("prior_same_program", FRP, "She has never attended a chronic pain program.", False),
    (
        "prior_same_program",
        WC,
        "He completed a functional restoration program in 2014 for this back injury.",
        None,
    ),
    # maximum medical improvement
    (
        "near_maximum_medical_improvement",
        FCE,
        "He was declared permanent and stationary on 3/3/2016.",
        True,
    ),
    (
        "near_maximum_medical_improvement",
        FCE,
        "She is not at MMI; a knee arthroscopy is scheduled.",
        False,
    ),
    # complicated case management
    ("case_management_complex", FCE, "Two prior attempts to return to work failed.", True),
    ("case_management_complex", FCE, "The work restrictions are not in dispute.", False),
    # purpose of the FCE
    (
        "fce_for_effort_only",
        FCE,
        "The FCE is requested solely to check the consistency of his effort.",
        True,
    ),
    ("fce_for_effort_only", FCE, "The FCE will help determine permanent work restrictions.", False),
    # motivation
    ("motivated_to_change", FRP, "She is highly motivated and eager to return to work.", True),
    ("motivated_to_change", FRP, "He shows poor motivation and wants to stay on TTD.", False),
    # negative predictors
    ("negative_predictors_addressed", FRP, "Negative predictors: none identified.", True),
    (
        "negative_predictors_addressed",
        FRP,
        "Smoking and long disability were noted but have not been addressed.",
        False,
    ),
    # baseline functional testing
    (
        "baseline_functional_testing",
        FRP,
        "The program evaluation recorded an Oswestry of 44% and a six-minute walk of 300 meters.",
        True,
    ),
    ("baseline_functional_testing", FRP, "No baseline functional testing was performed.", False),
    # baseline pain and function before an opioid
    (
        "baseline_pain_and_function",
        "Tramadol 50 mg #60",
        "Baseline before starting tramadol: pain 7/10, walks two blocks, Oswestry 40%.",
        True,
    ),
    (
        "baseline_pain_and_function",
        "Tramadol 50 mg #60",
        "Function was not assessed before the opioid was begun.",
        False,
    ),
    ("baseline_pain_and_function", "Tramadol 50 mg #60", "Pain 6/10 today on tramadol.", None),
    # surgery
    (
        "surgical_candidate",
        FRP,
        "The spine surgeon found him a good candidate for lumbar decompression.",
        True,
    ),
    ("surgical_candidate", FRP, "Orthopedics: not a surgical candidate.", False),
    ("surgery_considered", MRI, "He is open to surgery if the MRI shows a herniation.", True),
    ("surgery_considered", MRI, "She refuses any surgery.", False),
    (
        "invasive_procedure_planned",
        MRI,
        "An L4-5 ESI is scheduled and the MRI is needed to plan the injection.",
        True,
    ),
    ("invasive_procedure_planned", MRI, "No injections or surgery are planned.", False),
    (
        "invasive_procedure_planned",
        "Post-op Norco 5/325mg #40",
        "The plan included scheduling laparoscopic versus open umbilical hernia repair.",
        True,
    ),
    (
        "invasive_procedure_planned",
        "Post-op Norco 5/325mg #40",
        "She is awaiting a right total knee replacement.",
        True,
    ),
    (
        "implantable_device_planned",
        "Psychological evaluation",
        "Plan: spinal cord stimulator trial after psych clearance.",
        True,
    ),
    (
        "implantable_device_planned",
        "Psychological evaluation",
        "He declined the spinal cord stimulator.",
        False,
    ),
    # goals
    (
        "treatment_goals_documented",
        "Physical therapy 2x4",
        "Short-term goal: sit 45 minutes within 3 weeks.",
        True,
    ),
    ("treatment_goals_documented", "Physical therapy 2x4", "Goals: to be determined.", False),
    # gym: equipment and supervision
    (
        "equipment_needed",
        GYM,
        "He requires a pool for aquatic exercise; there is no pool at home.",
        True,
    ),
    ("equipment_needed", GYM, "The exercises require no special equipment.", False),
    ("medical_supervision", GYM, "Sessions will be supervised by a physical therapist.", True),
    ("medical_supervision", GYM, "He will use the gym unsupervised.", False),
    # pain management consultation for the dose
    (
        "pain_management_consultation",
        "Oxycodone 30 mg #120",
        "The pain management specialist reviewed the regimen and supports the current dose.",
        True,
    ),
    (
        "pain_management_consultation",
        "Oxycodone 30 mg #120",
        "No pain management consultation has taken place.",
        False,
    ),
    # opioid risk, substance abuse
    (
        "opioid_misuse_risk",
        "Urine drug screen",
        "Opioid Risk Tool score 5, moderate risk.",
        "moderate",
    ),
    ("opioid_misuse_risk", "Urine drug screen", "SOAPP-R 30: high risk.", "high"),
    (
        "opioid_misuse_risk",
        "Urine drug screen",
        "Will complete an opioid risk screen next visit.",
        None,
    ),
    (
        "substance_abuse_history",
        "Norco 10/325 #60",
        "Past history of cocaine dependence, clean for ten years.",
        True,
    ),
    ("substance_abuse_history", "Norco 10/325 #60", "He denies alcohol or drug abuse.", False),
    ("substance_abuse_history", "Norco 10/325 #60", "Her father was an alcoholic.", None),
    # psychology
    (
        "psychological_clearance",
        SCS,
        "The psychologist cleared her for the spinal cord stimulator trial.",
        True,
    ),
    ("psychological_clearance", SCS, "The psychological evaluation has not yet been done.", False),
    (
        "psychological_clearance",
        SCS,
        "Guidelines require psychological clearance before a stimulator trial.",
        None,
    ),
    ("delayed_recovery_risk", "CBT x4", "STarT Back: high risk.", True),
    ("delayed_recovery_risk", "CBT x4", "Tampa Scale for Kinesiophobia score was low.", False),
    (
        "psychosocial_factors",
        "Psychology consultation",
        "He has financial strain and conflict with his supervisor.",
        True,
    ),
    (
        "psychosocial_factors",
        "Psychology consultation",
        "No psychosocial barriers were identified.",
        False,
    ),
    (
        "psychological_symptoms",
        "Psychological evaluation",
        "PHQ-9 was 18 and she reports feeling hopeless.",
        True,
    ),
    (
        "psychological_symptoms",
        "Psychological evaluation",
        "Denies suicidal ideation; reports anxiety.",
        True,
    ),
    (
        "psychological_symptoms",
        "Psychological evaluation",
        "He denies depression or anxiety.",
        False,
    ),
    ("psychological_symptoms", "Psychological evaluation", "Her mother has depression.", None),
    # sleep
    (
        "insomnia_evaluated",
        "Zolpidem 10 mg #30",
        "Sleep hygiene was reviewed and a sleep study excluded apnea.",
        True,
    ),
    (
        "insomnia_evaluated",
        "Zolpidem 10 mg #30",
        "The cause of the insomnia was not evaluated.",
        False,
    ),
    # topical ingredients: the request title, else the records
    (
        "contains_not_recommended_ingredient",
        "Ketoprofen 10% gel 60 g",
        "Apply to the elbow twice daily.",
        True,
    ),
    (
        "contains_not_recommended_ingredient",
        "Lidoderm 5% patch #30",
        "For post-herpetic neuralgia.",
        False,
    ),
    (
        "contains_not_recommended_ingredient",
        "Topical compound 180 g",
        "The compound contains baclofen 2% and menthol.",
        True,
    ),
    (
        "contains_not_recommended_ingredient",
        "Topical compound 180 g",
        "Ingredients were not listed.",
        None,
    ),
    ("contains_not_recommended_ingredient", "Lidocaine 4% cream 60 g", "Apply to the wrist.", True),
    # home care
    (
        "only_homemaker_or_personal_care",
        "Home health aide",
        "Requested: an aide for laundry and house cleaning.",
        True,
    ),
    (
        "only_homemaker_or_personal_care",
        "Home health aide",
        "Requested: RN visits for wound care and an aide for bathing.",
        False,
    ),
    # referrals
    (
        "diagnosis_uncertain_or_complex",
        "Neurology consultation",
        "The etiology of the foot pain remains unclear.",
        True,
    ),
    (
        "diagnosis_uncertain_or_complex",
        "Neurology consultation",
        "The diagnosis is well established by EMG.",
        False,
    ),
    (
        "additional_expertise_would_benefit",
        "Rheumatology consultation",
        "This is beyond my expertise; referral to rheumatology.",
        True,
    ),
    (
        "additional_expertise_would_benefit",
        "Rheumatology consultation",
        "No specialist referral is needed at this time.",
        False,
    ),
    # more phrasings, in other styles
    (
        "job_demand_medium_or_higher",
        "Work hardening 12 sessions",
        "The claimant is a nurse's aide, a medium-demand occupation; the FCE placed her in the light category.",
        True,
    ),
    (
        "job_demand_medium_or_higher",
        "Work hardening 12 sessions",
        "pt is a construction laborer, job requires lifting 100 lbs, currently restricted to 25 lbs lifting",
        True,
    ),
    (
        "job_demand_medium_or_higher",
        "Work hardening 12 sessions",
        "He works as a bank teller (light PDL).",
        False,
    ),
    (
        "job_demand_medium_or_higher",
        "Work hardening 12 sessions",
        "FCE 3/2/15 demonstrates heavy PDL capacity, which meets the demands of his job as a warehouse worker.",
        False,
    ),
    (
        "return_to_work_goal",
        "Work hardening 12 sessions",
        "The employer confirmed a modified-duty assembler position is available and the patient agreed to return on 5/1/15.",
        True,
    ),
    (
        "return_to_work_goal",
        "Work hardening 12 sessions",
        "Pt's job no longer exists; company closed.",
        False,
    ),
    (
        "return_to_work_goal",
        "Work hardening 12 sessions",
        "He hopes to get back to some kind of work eventually.",
        None,
    ),
    (
        "able_to_participate_program",
        "Functional restoration program 10 days",
        "The patient is able to participate for 6 hours per day, 5 days per week.",
        True,
    ),
    (
        "able_to_participate_program",
        "Functional restoration program 10 days",
        "Can sit/stand/walk combined about 2 hrs a day max.",
        False,
    ),
    (
        "prior_same_program",
        "Work conditioning 12 sessions",
        "Prior treatment included 12 sessions of work hardening in 2015.",
        True,
    ),
    ("prior_same_program", "Functional restoration program 10 days", "No previous FRP.", False),
    ("near_maximum_medical_improvement", "FCE", "Pt is now P&S per AME report 4/1/16.", True),
    (
        "near_maximum_medical_improvement",
        "FCE",
        "He is far from MMI and surgery is being scheduled.",
        False,
    ),
    (
        "case_management_complex",
        "FCE",
        "There are conflicting reports regarding his ability to return to work.",
        True,
    ),
    (
        "case_management_complex",
        "FCE",
        "He returned to his usual work without any problems and restrictions are agreed.",
        False,
    ),
    (
        "fce_for_effort_only",
        "FCE",
        "FCE requested to determine whether the patient is giving a sincere effort; no other reason stated.",
        True,
    ),
    (
        "fce_for_effort_only",
        "FCE",
        "The purpose of the FCE is to define work restrictions for the P&S report.",
        False,
    ),
    (
        "motivated_to_change",
        "Functional restoration program 10 days",
        "Pt appears motivated for the program and willing to taper opioids.",
        True,
    ),
    (
        "motivated_to_change",
        "Functional restoration program 10 days",
        "The psychologist noted significant secondary gain issues and low motivation.",
        False,
    ),
    (
        "negative_predictors_addressed",
        "Functional restoration program 10 days",
        "Negative predictors (smoking, opioid use) were identified and addressed with cessation counseling and a taper plan.",
        True,
    ),
    (
        "negative_predictors_addressed",
        "Functional restoration program 10 days",
        "The negative predictors of success were not addressed in the evaluation.",
        False,
    ),
    (
        "baseline_functional_testing",
        "Functional restoration program 10 days",
        "Baseline physical performance testing was completed on 3/3/15: floor-to-waist lift 15 lb, 6MWT 280 m.",
        True,
    ),
    (
        "baseline_functional_testing",
        "Functional restoration program 10 days",
        "The evaluation did not include any functional testing.",
        False,
    ),
    (
        "baseline_pain_and_function",
        "Tramadol 50 mg #60",
        "Prior to initiating tramadol, baseline pain was 8/10 and he could stand only 10 minutes.",
        True,
    ),
    (
        "baseline_pain_and_function",
        "Tramadol 50 mg #60",
        "Opioids were started without documentation of baseline function.",
        False,
    ),
    (
        "surgical_candidate",
        "Functional restoration program 10 days",
        "Neurosurgery recommended an L5-S1 microdiscectomy.",
        True,
    ),
    (
        "surgical_candidate",
        "Functional restoration program 10 days",
        "The surgeon stated he is not a candidate for further surgical intervention.",
        False,
    ),
    (
        "surgery_considered",
        "Lumbar MRI",
        "Pt would like to be evaluated for surgery if MRI positive.",
        True,
    ),
    ("surgery_considered", "Lumbar MRI", "He is not interested in surgery.", False),
    (
        "treatment_goals_documented",
        "Physical therapy 2x4",
        "LTG: independent HEP and lift 25 lb in 4 wks.",
        True,
    ),
    (
        "treatment_goals_documented",
        "Physical therapy 2x4",
        "No measurable goals were documented.",
        False,
    ),
    (
        "equipment_needed",
        "Gym membership",
        "A gym is needed for access to a treadmill and weight machines which he does not have at home.",
        True,
    ),
    (
        "equipment_needed",
        "Gym membership",
        "His exercises can be performed at home without equipment.",
        False,
    ),
    (
        "medical_supervision",
        "Gym membership",
        "The program will be monitored by his treating physical therapist.",
        True,
    ),
    (
        "medical_supervision",
        "Gym membership",
        "This would be an unsupervised gym membership.",
        False,
    ),
    (
        "pain_management_consultation",
        "MS Contin 60 mg #90",
        "Pain management consultation 4/2/15 concluded the current opioid regimen is appropriate.",
        True,
    ),
    (
        "pain_management_consultation",
        "MS Contin 60 mg #90",
        "He has never been seen by a pain specialist.",
        False,
    ),
    (
        "opioid_misuse_risk",
        "Urine drug screen",
        "Patient is considered low risk for aberrant drug behavior.",
        "low",
    ),
    ("opioid_misuse_risk", "Urine drug screen", "ORT = 10.", "high"),
    (
        "substance_abuse_history",
        "Norco 10/325 #60",
        "History of alcohol abuse, sober 5 years.",
        True,
    ),
    (
        "substance_abuse_history",
        "Norco 10/325 #60",
        "Denies any history of substance abuse.",
        False,
    ),
    (
        "psychological_clearance",
        "Spinal cord stimulator trial",
        "Pre-SCS psychological evaluation: cleared.",
        True,
    ),
    (
        "psychological_clearance",
        "Spinal cord stimulator trial",
        "The psychologist did not clear him for the stimulator.",
        False,
    ),
    ("delayed_recovery_risk", "CBT x4", "She has strong fear-avoidance beliefs.", True),
    ("delayed_recovery_risk", "CBT x4", "FABQ score was low.", False),
    (
        "implantable_device_planned",
        "Psychological evaluation",
        "An intrathecal pump trial has been recommended.",
        True,
    ),
    ("implantable_device_planned", "Psychological evaluation", "The SCS was ruled out.", False),
    (
        "invasive_procedure_planned",
        "Cervical MRI",
        "Surgery is planned and the surgeon needs an updated MRI.",
        True,
    ),
    (
        "invasive_procedure_planned",
        "Cervical MRI",
        "No invasive procedure is being considered.",
        False,
    ),
    (
        "insomnia_evaluated",
        "Zolpidem 10 mg #30",
        "Sleep hygiene education was provided and sleep apnea was ruled out.",
        True,
    ),
    (
        "insomnia_evaluated",
        "Zolpidem 10 mg #30",
        "There is no documentation that the cause of the sleep disturbance was evaluated.",
        None,
    ),
    ("contains_not_recommended_ingredient", "Gabapentin 10%/ketoprofen 10% cream 120 g", "", True),
    ("contains_not_recommended_ingredient", "Capsaicin 0.025% cream 60 g", "", False),
    (
        "only_homemaker_or_personal_care",
        "Home health aide",
        "Aide requested for housekeeping and meal preparation only.",
        True,
    ),
    (
        "only_homemaker_or_personal_care",
        "Home health services",
        "Skilled nursing visits for IV antibiotics were requested.",
        False,
    ),
    (
        "diagnosis_uncertain_or_complex",
        "Neurology consultation",
        "Differential diagnosis includes CRPS versus peripheral neuropathy.",
        True,
    ),
    ("diagnosis_uncertain_or_complex", "Neurology consultation", "The diagnosis is clear.", False),
    (
        "additional_expertise_would_benefit",
        "Internal medicine consultation",
        "Referred to internal medicine for management of uncontrolled diabetes prior to surgery.",
        True,
    ),
    (
        "additional_expertise_would_benefit",
        "Ortho consult",
        "A specialist referral is not necessary.",
        False,
    ),
    (
        "psychosocial_factors",
        "Psychology consultation",
        "He is under significant stress because of the litigation and financial problems.",
        True,
    ),
    (
        "psychosocial_factors",
        "Psychology consultation",
        "She has a supportive family and good relationship with her employer.",
        False,
    ),
    (
        "psychological_symptoms",
        "Psychological evaluation",
        "He appears anxious and depressed.",
        True,
    ),
    (
        "psychological_symptoms",
        "Psychological evaluation",
        "Mood: euthymic. Affect: appropriate.",
        False,
    ),
    # and more, first run before the vocabulary was widened for them
    (
        "job_demand_medium_or_higher",
        "Work conditioning 12 sessions",
        "Employment: auto mechanic, medium PDL. He is currently limited to lifting 10 pounds and cannot perform his usual duties.",
        True,
    ),
    (
        "job_demand_medium_or_higher",
        "Work conditioning 12 sessions",
        "Her job as an office manager is sedentary.",
        False,
    ),
    (
        "return_to_work_goal",
        "Work conditioning 12 sessions",
        "The employer is unwilling to take him back in any capacity.",
        False,
    ),
    (
        "return_to_work_goal",
        "Work conditioning 12 sessions",
        "A transitional-duty job in shipping has been arranged with her employer, and she has agreed to start it next month.",
        True,
    ),
    (
        "able_to_participate_program",
        "Work conditioning 12 sessions",
        "Per the PTP, she can manage a 4-hour program, 5 days a week.",
        True,
    ),
    (
        "able_to_participate_program",
        "Work conditioning 12 sessions",
        "He cannot tolerate more than 30 minutes of activity at a time and is bedbound most afternoons.",
        False,
    ),
    (
        "prior_same_program",
        "Functional restoration program 10 days",
        "In 2013 she went through a multidisciplinary pain program for this injury.",
        True,
    ),
    (
        "prior_same_program",
        "Work conditioning 12 sessions",
        "He has had no prior work conditioning.",
        False,
    ),
    (
        "near_maximum_medical_improvement",
        "FCE",
        "The QME found the patient to be at maximal medical improvement as of 6/1/2015.",
        True,
    ),
    (
        "near_maximum_medical_improvement",
        "FCE",
        "Not yet permanent and stationary; continue therapy.",
        False,
    ),
    (
        "case_management_complex",
        "FCE",
        "The AME and the treating physician disagree on her lifting restrictions.",
        True,
    ),
    (
        "fce_for_effort_only",
        "FCE",
        "An FCE is requested to establish his physical capabilities before a return to work.",
        False,
    ),
    (
        "motivated_to_change",
        "Functional restoration program 10 days",
        "She is not motivated to participate.",
        False,
    ),
    (
        "motivated_to_change",
        "Functional restoration program 10 days",
        "He is motivated to improve and is willing to give up his disability payments.",
        True,
    ),
    (
        "baseline_functional_testing",
        "Functional restoration program 10 days",
        "The functional restoration evaluation included physical performance testing with a 20-lb floor-to-waist lift.",
        True,
    ),
    (
        "baseline_pain_and_function",
        "Tramadol 50 mg #60",
        "At baseline, prior to starting tramadol, she rated pain 8/10 and needed help with dressing.",
        True,
    ),
    (
        "surgical_candidate",
        "Functional restoration program 10 days",
        "The orthopedic surgeon does not consider her a surgical candidate.",
        False,
    ),
    (
        "surgical_candidate",
        "Functional restoration program 10 days",
        "The spine surgeon recommends an anterior cervical discectomy and fusion at C5-6.",
        True,
    ),
    (
        "surgery_considered",
        "Cervical MRI",
        "The patient states he does not want surgery under any circumstances.",
        False,
    ),
    (
        "surgery_considered",
        "Cervical MRI",
        "She is willing to undergo surgery if the MRI shows cord compression.",
        True,
    ),
    (
        "treatment_goals_documented",
        "Physical therapy 2x6",
        "Goal: return to full duty as a carpenter within 6 weeks and lift 50 lb.",
        True,
    ),
    ("treatment_goals_documented", "Physical therapy 2x6", "No treatment goals were set.", False),
    (
        "equipment_needed",
        "Gym membership",
        "She requires aquatic therapy in a heated pool, which she does not have access to at home.",
        True,
    ),
    (
        "medical_supervision",
        "Gym membership",
        "The gym program would not be supervised by any medical professional.",
        False,
    ),
    (
        "medical_supervision",
        "Gym membership",
        "A physical therapist will supervise each session and report to the treating physician.",
        True,
    ),
    (
        "pain_management_consultation",
        "Oxycodone 30 mg #120",
        "The pain specialist agreed that the current dose should be continued.",
        True,
    ),
    (
        "pain_management_consultation",
        "Oxycodone 30 mg #120",
        "There has been no pain management consultation.",
        False,
    ),
    (
        "opioid_misuse_risk",
        "Urine drug screen",
        "Risk stratification: high risk (history of opioid addiction).",
        "high",
    ),
    (
        "opioid_misuse_risk",
        "Urine drug screen",
        "The patient was stratified as low risk for opioid misuse.",
        "low",
    ),
    (
        "substance_abuse_history",
        "Norco 10/325 #60",
        "He has a history of polysubstance abuse and completed rehab in 2010.",
        True,
    ),
    ("substance_abuse_history", "Norco 10/325 #60", "No history of alcohol or drug abuse.", False),
    (
        "psychological_clearance",
        "Spinal cord stimulator trial",
        "The psychological evaluation found him to be an appropriate candidate for the SCS trial.",
        True,
    ),
    (
        "psychological_clearance",
        "Spinal cord stimulator trial",
        "The psychologist recommended against the stimulator because of severe depression.",
        False,
    ),
    ("delayed_recovery_risk", "CBT x4", "Orebro score of 62, high risk.", True),
    ("delayed_recovery_risk", "CBT x4", "No fear-avoidance behavior was noted.", False),
    (
        "implantable_device_planned",
        "Psychological evaluation",
        "The pain physician plans a spinal cord stimulator trial pending psychological clearance.",
        True,
    ),
    (
        "implantable_device_planned",
        "Psychological evaluation",
        "He is not a candidate for a spinal cord stimulator.",
        False,
    ),
    (
        "invasive_procedure_planned",
        "Right shoulder MRI",
        "The surgeon plans arthroscopic repair and wants an MRI beforehand.",
        True,
    ),
    ("insomnia_evaluated", "Zolpidem 10 mg #30", "Sleep hygiene has not been addressed.", False),
    (
        "insomnia_evaluated",
        "Zolpidem 10 mg #30",
        "We reviewed sleep hygiene and screened for sleep apnea; the insomnia is due to pain.",
        True,
    ),
    ("contains_not_recommended_ingredient", "Flurbiprofen 20% cream 120 g", "", False),
    (
        "contains_not_recommended_ingredient",
        "Compounded cream 240 g",
        "The cream contains cyclobenzaprine 2% and lidocaine 5%.",
        True,
    ),
    (
        "only_homemaker_or_personal_care",
        "Home health aide",
        "The aide would help with dressing, grooming and toileting only.",
        True,
    ),
    (
        "only_homemaker_or_personal_care",
        "Home health services",
        "The request includes physical therapy at home and skilled nursing for wound care.",
        False,
    ),
    (
        "diagnosis_uncertain_or_complex",
        "Neurology consultation",
        "The cause of her numbness is unknown despite normal EMG and MRI.",
        True,
    ),
    (
        "additional_expertise_would_benefit",
        "Hand surgery consultation",
        "Referral to hand surgery for a surgical opinion regarding carpal tunnel release.",
        True,
    ),
    (
        "psychosocial_factors",
        "Psychology consultation",
        "There are significant psychosocial stressors, including a pending divorce.",
        True,
    ),
    (
        "psychosocial_factors",
        "Psychology consultation",
        "He denies any psychosocial stressors.",
        False,
    ),
    (
        "psychological_symptoms",
        "Psychological evaluation",
        "She reports feeling depressed and anxious most days.",
        True,
    ),
    (
        "psychological_symptoms",
        "Psychological evaluation",
        "PHQ-9 score 3; no depressive symptoms.",
        False,
    ),
    # terse and dictated styles, first run before the vocabulary was widened for them
    (
        "job_demand_medium_or_higher",
        "Work conditioning 10 sessions",
        "Job demands: heavy (frequent lifting of 60-lb cement bags). FCE: light PDL. Does not meet job requirements.",
        True,
    ),
    (
        "job_demand_medium_or_higher",
        "Work conditioning 10 sessions",
        "she is back at her regular job as a hotel housekeeper, medium work, and has no trouble with it",
        False,
    ),
    (
        "return_to_work_goal",
        "Work conditioning 10 sessions",
        "Per adjuster, employer will hold the forklift position until 10/1/15; pt wants to return.",
        True,
    ),
    (
        "return_to_work_goal",
        "Work conditioning 10 sessions",
        "he quit his job after the injury and has no plans to go back to work",
        False,
    ),
    (
        "able_to_participate_program",
        "Functional restoration program 10 days",
        "pt reports he could do about five hours a day of activity now",
        True,
    ),
    (
        "able_to_participate_program",
        "Functional restoration program 10 days",
        "Tolerates <1 hr of activity.",
        False,
    ),
    (
        "prior_same_program",
        "Work conditioning 10 sessions",
        "S/p 10 sessions WH 2/2015 for this claim.",
        True,
    ),
    (
        "prior_same_program",
        "Functional restoration program 10 days",
        "Never participated in an FRP.",
        False,
    ),
    ("near_maximum_medical_improvement", "FCE", "MMI reached per PTP 8/1/15.", True),
    (
        "near_maximum_medical_improvement",
        "FCE",
        "she is still getting better with therapy, not at mmi yet",
        False,
    ),
    ("case_management_complex", "FCE", "RTW attempt 3/2015 failed after 1 week.", True),
    (
        "case_management_complex",
        "FCE",
        "No disagreement about restrictions; pt working w/o issue.",
        False,
    ),
    ("fce_for_effort_only", "FCE", "Purpose of FCE: to determine validity of effort only.", True),
    ("fce_for_effort_only", "FCE", "FCE to determine capacity for RTW.", False),
    (
        "motivated_to_change",
        "Functional restoration program 10 days",
        "very motivated, wants off the opioids and back to work",
        True,
    ),
    (
        "motivated_to_change",
        "Functional restoration program 10 days",
        "Pt unmotivated; states no intention of returning to work.",
        False,
    ),
    (
        "negative_predictors_addressed",
        "Functional restoration program 10 days",
        "Negative predictors were reviewed and each was addressed in the treatment plan.",
        True,
    ),
    (
        "negative_predictors_addressed",
        "Functional restoration program 10 days",
        "the evaluation lists his negative predictors but has no plan to address them",
        False,
    ),
    (
        "baseline_functional_testing",
        "Functional restoration program 10 days",
        "PPT done 7/7/15 (lift 10 lb floor to waist, 6MWT 200 m).",
        True,
    ),
    (
        "baseline_functional_testing",
        "Functional restoration program 10 days",
        "No functional testing was done at the evaluation.",
        False,
    ),
    (
        "baseline_pain_and_function",
        "Hydrocodone 5/325 #60",
        "Pre-opioid baseline 6/1/15: pain 8/10, ODI 52%.",
        True,
    ),
    (
        "baseline_pain_and_function",
        "Hydrocodone 5/325 #60",
        "Hydrocodone started; baseline function not documented.",
        False,
    ),
    (
        "surgical_candidate",
        "Work conditioning 10 sessions",
        "Ortho: candidate for R knee arthroscopy.",
        True,
    ),
    (
        "surgical_candidate",
        "Work conditioning 10 sessions",
        "Spine surgeon: no surgical lesion, non-operative.",
        False,
    ),
    ("surgery_considered", "Lumbar MRI", "pt willing to consider surgery pending MRI", True),
    ("surgery_considered", "Lumbar MRI", "Pt declines surgical intervention.", False),
    (
        "treatment_goals_documented",
        "Acupuncture 6 sessions",
        "Goals: reduce pain from 8/10 to 5/10 and increase walking to 30 minutes within 3 weeks.",
        True,
    ),
    ("treatment_goals_documented", "Acupuncture 6 sessions", "Goals: none documented.", False),
    (
        "equipment_needed",
        "Pool membership",
        "Requires pool access; unable to do land-based exercise.",
        True,
    ),
    ("equipment_needed", "Gym membership", "Pt has a home gym with all needed equipment.", False),
    ("medical_supervision", "Gym membership", "medically supervised program at the clinic", True),
    ("medical_supervision", "Gym membership", "Gym: self-directed, no supervision.", False),
    (
        "pain_management_consultation",
        "Oxycodone 30 mg #150",
        "Pain consult 2/2015 agrees with current regimen.",
        True,
    ),
    (
        "pain_management_consultation",
        "Oxycodone 30 mg #150",
        "Pain mgmt referral pending; not yet seen.",
        False,
    ),
    ("opioid_misuse_risk", "UDS", "ORT 1 (low risk).", "low"),
    ("opioid_misuse_risk", "UDS", "Opioid risk: moderate.", "moderate"),
    ("substance_abuse_history", "Norco 10/325 #60", "hx ETOH abuse, sober x 8 yrs", True),
    ("substance_abuse_history", "Norco 10/325 #60", "SH: no ETOH, no drugs.", False),
    ("psychological_clearance", "SCS trial", "Psych cleared pt for SCS 4/2015.", True),
    ("psychological_clearance", "SCS trial", "Psych eval pending.", None),
    ("delayed_recovery_risk", "CBT x4", "FABQ-W 40: elevated.", True),
    ("delayed_recovery_risk", "CBT x4", "No yellow flags identified.", False),
    (
        "implantable_device_planned",
        "Psychological evaluation",
        "Plan: intrathecal pump trial.",
        True,
    ),
    ("implantable_device_planned", "Psychological evaluation", "SCS declined by patient.", False),
    (
        "invasive_procedure_planned",
        "Cervical MRI",
        "C5-6 ACDF scheduled 9/1; MRI for surgical planning.",
        True,
    ),
    (
        "invasive_procedure_planned",
        "Cervical MRI",
        "No procedures planned; MRI for diagnosis only.",
        False,
    ),
    (
        "insomnia_evaluated",
        "Ambien 10 mg #30",
        "Sleep eval: sleep diary reviewed, sleep hygiene discussed.",
        True,
    ),
    ("insomnia_evaluated", "Ambien 10 mg #30", "No sleep hygiene counseling documented.", False),
    ("contains_not_recommended_ingredient", "Baclofen 2%/cyclobenzaprine 2% cream 180 g", "", True),
    ("contains_not_recommended_ingredient", "Diclofenac 1.5% solution 150 ml", "", False),
    (
        "only_homemaker_or_personal_care",
        "Home health aide",
        "HHA for bathing and dressing only.",
        True,
    ),
    ("only_homemaker_or_personal_care", "Home health", "RN for wound care 3x/wk.", False),
    ("diagnosis_uncertain_or_complex", "Neuro consult", "Dx unclear; ?MS vs radiculopathy.", True),
    ("diagnosis_uncertain_or_complex", "Ortho consult", "Dx: R CTS confirmed by EMG.", False),
    (
        "additional_expertise_would_benefit",
        "Pain mgmt consult",
        "Refer to pain mgmt for med management; MED 140.",
        True,
    ),
    ("additional_expertise_would_benefit", "Neuro consult", "No neuro referral needed.", False),
    (
        "psychosocial_factors",
        "Psych consult",
        "Psychosocial: marital problems, financial stress.",
        True,
    ),
    ("psychosocial_factors", "Psych consult", "Psychosocial: no issues.", False),
    ("psychological_symptoms", "Psych eval", "+ depression, + anxiety per pt.", True),
    ("psychological_symptoms", "Psych eval", "Mood stable, denies depression.", False),
    # review-summary style, first run before the vocabulary was widened for them; the
    # records' silence ("did not document", "no indication that") is a gap, never a no
    (
        "job_demand_medium_or_higher",
        "Work hardening 12 sessions",
        "According to the job description, the claimant's position as a utility lineman is classified as very heavy, and the functional capacity evaluation showed he could safely lift only 30 pounds.",
        True,
    ),
    (
        "return_to_work_goal",
        "Work hardening 12 sessions",
        "The records indicate that the employer has agreed to reinstate the claimant to his former position as a welder upon completion of the program.",
        True,
    ),
    (
        "return_to_work_goal",
        "Work hardening 12 sessions",
        "The claimant's employment was terminated in 2014.",
        False,
    ),
    (
        "able_to_participate_program",
        "Work hardening 12 sessions",
        "The treating physician documented that the claimant is able to tolerate up to eight hours of activity daily.",
        True,
    ),
    (
        "prior_same_program",
        "Functional restoration program 10 days",
        "The claimant previously completed 20 days of a functional restoration program in 2013.",
        True,
    ),
    (
        "near_maximum_medical_improvement",
        "FCE",
        "The claimant was deemed permanent and stationary by the panel QME on 1/5/2015.",
        True,
    ),
    (
        "case_management_complex",
        "FCE",
        "The submitted records document two unsuccessful attempts at returning to modified work.",
        True,
    ),
    (
        "fce_for_effort_only",
        "FCE",
        "The FCE was requested to evaluate the claimant's work capacity prior to a vocational assessment.",
        False,
    ),
    (
        "motivated_to_change",
        "Functional restoration program 10 days",
        "The psychological evaluation describes the claimant as motivated and ready to make changes.",
        True,
    ),
    (
        "baseline_functional_testing",
        "Functional restoration program 10 days",
        "The initial evaluation included a physical therapy assessment with baseline measures of lifting, walking, and sitting tolerance.",
        True,
    ),
    (
        "surgical_candidate",
        "Functional restoration program 10 days",
        "The spine surgeon indicated that the claimant was not a candidate for additional surgery.",
        False,
    ),
    (
        "surgery_considered",
        "Lumbar MRI",
        "The progress note indicates the claimant would be willing to undergo surgical intervention.",
        True,
    ),
    (
        "surgery_considered",
        "Lumbar MRI",
        "The claimant has repeatedly declined surgical options.",
        False,
    ),
    (
        "treatment_goals_documented",
        "Physical therapy 2x4",
        "The physical therapy plan of care lists functional goals including walking 30 minutes and lifting 20 pounds.",
        True,
    ),
    (
        "equipment_needed",
        "Gym membership",
        "The treating physician did not document the need for specialized equipment.",
        None,
    ),
    (
        "medical_supervision",
        "Gym membership",
        "There is no indication that the gym program would be supervised by a medical professional.",
        None,
    ),
    (
        "pain_management_consultation",
        "Oxycodone 30 mg #120",
        "A pain management consultation dated 3/3/2015 recommended tapering the opioids.",
        False,
    ),
    # a risk band with no word of opioids or misuse in its sentence is not read
    (
        "opioid_misuse_risk",
        "Urine drug screen",
        "The physician categorized the claimant as low risk.",
        None,
    ),
    (
        "substance_abuse_history",
        "Norco 10/325 #60",
        "The claimant has a remote history of methamphetamine abuse.",
        True,
    ),
    (
        "psychological_clearance",
        "Spinal cord stimulator trial",
        "A psychological evaluation dated 4/1/2015 cleared the claimant for the spinal cord stimulator trial.",
        True,
    ),
    (
        "delayed_recovery_risk",
        "CBT x4",
        "The claimant exhibits significant fear-avoidance behaviors.",
        True,
    ),
    (
        "implantable_device_planned",
        "Psychological evaluation",
        "The pain management physician recommended a trial of a spinal cord stimulator.",
        True,
    ),
    (
        "invasive_procedure_planned",
        "Cervical MRI",
        "The requesting surgeon documented that the MRI was needed for preoperative planning of the scheduled C5-6 fusion.",
        True,
    ),
    (
        "insomnia_evaluated",
        "Zolpidem 10 mg #30",
        "The records do not document that sleep hygiene was addressed or that the cause of the insomnia was evaluated.",
        None,
    ),
    (
        "contains_not_recommended_ingredient",
        "Topical compound 240 g",
        "The requested compound consisted of flurbiprofen 20%, lidocaine 5% and menthol in a cream base.",
        True,
    ),
    (
        "only_homemaker_or_personal_care",
        "Home health aide",
        "The request was for a home health aide to assist with housekeeping and grocery shopping.",
        True,
    ),
    (
        "diagnosis_uncertain_or_complex",
        "Neurology consultation",
        "The treating physician noted that the etiology of the claimant's symptoms remained uncertain.",
        True,
    ),
    (
        "additional_expertise_would_benefit",
        "Psychology consultation",
        "The treating physician requested psychology consultation for pain coping skills, which he stated were beyond his scope.",
        True,
    ),
    (
        "psychosocial_factors",
        "Psychology consultation",
        "The claimant reported significant stress related to the litigation and loss of income.",
        True,
    ),
    (
        "psychological_symptoms",
        "Psychological evaluation",
        "A Beck Depression Inventory score of 30 was documented.",
        True,
    ),
]


@pytest.mark.parametrize(("predicate", "request_title", "text", "expected"), CASES)
def test_answer(predicate, request_title, text, expected):
    assert answer(predicate, text or "Apply to the knee.", request_title) == expected


PREDICATES = sorted({c[0] for c in CASES})

# Passages that answer none of these predicates: the guideline or a reviewer quoted, a
# relative's history, oral drugs beside a topical request, a title and a capacity unset
# against each other.
SILENT = [
    (
        "Gym membership 6 months",
        "The prior reviewer noted that a gym membership is not recommended unless a home exercise program has failed and there is a need for equipment; the request was modified.",
    ),
    (
        "Functional restoration program 10 days",
        "The claims administrator denied the program, stating that the patient had not been shown to be motivated to change and that negative predictors were not addressed.",
    ),
    (
        "Spinal cord stimulator trial",
        "Psychological clearance is recommended before an SCS trial per the CPMTG.",
    ),
    (
        "Work hardening 12 sessions",
        "A defined return-to-work goal agreed to by the employer and employee is a criterion for work hardening.",
    ),
    (
        "Zolpidem 10 mg #30",
        "Per ODG, sleep hygiene should be addressed before hypnotics are prescribed.",
    ),
    ("FCE", "The treating physician may request an FCE if the patient is close to MMI."),
    (
        "Hydrocodone 10/325 #90",
        "He has been on hydrocodone for 3 years; pain 7/10 without medication, 4/10 with. He walks 2 blocks.",
    ),
    (
        "Psychological evaluation",
        "The patient's sister has anxiety; the patient denies symptoms herself.",
    ),
    (
        "Urine drug screen",
        "The UDS frequency depends on the risk level; the provider did not state one.",
    ),
    (
        "Topical compound 240 g",
        "Oral gabapentin 300 mg TID and cyclobenzaprine 10 mg HS are continued.",
    ),
    ("Lumbar MRI", "He had surgery in 2009. He is not sure what he wants to do next."),
    ("Work conditioning 10 sessions", "He was a warehouse worker. He can lift 20 pounds."),
]


@pytest.mark.parametrize(("request_title", "text"), SILENT)
def test_silent(request_title, text):
    case = Case(
        case_id="t",
        decision_date=ON,
        clinical_summary=text,
        requests=[parse_request(request_title)],
    )
    intake = intake_case(case)
    found = Predicates(default_pack(), intake.facts, intake.case.requests[0], ON)
    answered = {p: found.get(p).value for p in PREDICATES if found.get(p) is not None}
    assert answered == {}


def test_evidence_is_an_exact_span_of_the_text():
    text = "Social history: remote heroin use, completed a methadone program in 2004."
    facts = [f for f in extract_facts(text) if f.kind == "substance_abuse"]
    assert facts
    for fact in facts:
        for ev in fact.evidence:
            assert text[ev.start : ev.end] == ev.text


def test_job_demand_reads_capacity_from_its_clause():
    text = "Job: order selector, lifts up to 80 lb. Current tolerance: lift 15 lb."
    (fact,) = [f for f in extract_facts(text) if f.kind == "job_demand_match"]
    assert fact.value["result"] == "precluded"
    assert fact.value["job_level"] == 3.0


@pytest.mark.parametrize(
    ("text", "kind", "status"),
    [
        ("The surgeon states no further surgery is planned.", "surgical_candidacy",
         "not_candidate"),
        ("Dr. Lee does not recommend any further surgery.", "surgical_candidacy",
         "not_candidate"),
        ("He says he can attend daily sessions.", "program_tolerance", "able"),
        ("She is able to attend five days a week.", "program_tolerance", "able"),
    ],
)  # fmt: skip
def test_no_further_surgery_and_daily_attendance(text: str, kind: str, status: str) -> None:
    found = [f.value.status for f in extract_facts(text) if f.kind == kind]
    assert found[:1] == [status]


@pytest.mark.parametrize(
    "text",
    [
        "The PTP writes that he has reached the limit of what he can offer.",
        "I have nothing more to offer her at this point.",
        "He has exhausted his conservative treatment options here.",
        "Plan: pain management consult re: stellate ganglion block.",
        "Referral to discuss a spinal cord stimulator trial.",
    ],
)
def test_what_a_specialist_would_add(text: str) -> None:
    found = [f.value.status for f in extract_facts(text) if f.kind == "specialist_need"]
    assert found[:1] == ["needed"]


@pytest.mark.parametrize(
    "text",
    [
        "UDS 1/20/2015: negative for tramadol; POSITIVE for hydrocodone (not prescribed by us).",
        "Her last urine drug screen was inconsistent with the prescribed opioid.",
        "He asked for early refills of his Norco twice this year.",
        "She reported lost prescriptions for oxycodone on two occasions.",
    ],
)
def test_aberrant_drug_behaviour_on_record_is_high_misuse_risk(text: str) -> None:
    found = [f.value.level for f in extract_facts(text) if f.kind == "opioid_risk"]
    assert found[:1] == ["high"]


def test_an_expected_test_result_is_no_risk_finding() -> None:
    text = "UDS 3/2015 positive for hydrocodone, as prescribed; CURES consistent."
    assert [f for f in extract_facts(text) if f.kind == "opioid_risk"] == []


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("She is followed by a pain medicine physician, who prescribes her morphine.", "supports"),
        ("The pain management doctor manages his opioids and sees him monthly.", "supports"),
        ("A pain management consultation is pending.", "consult"),
    ],
)
def test_a_pain_specialist_who_prescribes_the_opioid_supports_the_dose(text, status) -> None:
    found = [f.value.status for f in extract_facts(text) if f.kind == "pain_consult"]
    assert found[:1] == [status]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She works modified duty six hours a day, walks her dog and does her own housework.",
         True),
        ("He drives to his appointments and does the grocery shopping.", True),
    ],
)  # fmt: skip
def test_activities_stated_as_what_the_patient_does(text, expected) -> None:
    on = "Norco 10/325mg #90"
    day = dt.date(2016, 3, 1)
    case = Case(case_id="t", decision_date=day, clinical_summary="On Norco 10/325 mg TID. " + text,
                requests=[parse_request(on)])  # fmt: skip
    intake = intake_case(case)
    found = Predicates(default_pack(), intake.facts, intake.case.requests[0], day).get(
        "opioid_activities_documented"
    )
    assert found is not None and found.value is expected
